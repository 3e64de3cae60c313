"""A SQLite file in Floe's data folder that stays readable while the folder cannot be written.

When the folder is read-only or its disk is full, the file is opened read-only and every write
raises DataFolderUnwritable (a message a page can show) instead of a raw sqlite3 error; the next
write after the folder recovers reopens it for writing. SQLite never changes the file on a failed
write, so what is stored stays as it was.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from backends.data_folder import DataFolderUnwritable, write_problem


def _open_for_writing(path: Path, schema: str, timeout: float) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=timeout)
    try:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA journal_mode = WAL")
        db.executescript(schema)
    except sqlite3.Error:
        db.close()
        raise
    return db


def _open_for_reading(path: Path, schema: str) -> sqlite3.Connection:
    """mode=ro reads a WAL file whose -shm file exists; where SQLite cannot create one (a read-only or
    full folder), immutable=1 reads the database file alone. No file yet: an empty in-memory copy."""
    for flags in ("mode=ro", "immutable=1"):
        if not path.exists():
            break
        db = sqlite3.connect(
            f"{path.resolve().as_uri()}?{flags}", uri=True, check_same_thread=False, isolation_level=None
        )
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchall()
            return db
        except sqlite3.Error:
            db.close()
    db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    db.executescript(schema)
    return db


class SqliteFile:
    """Base for the conversation store and the usage ledger: reads with `_read`, writes in `_writing()`."""

    def __init__(self, path: str | Path, schema: str, timeout: float = 5.0):
        self.path, self._schema, self._timeout = Path(path), schema, timeout
        self._lock = threading.Lock()
        self.unwritable: DataFolderUnwritable | None = None  # set while only reading is possible
        self._db = self._connect()

    def _connect(self) -> sqlite3.Connection:
        try:
            db = _open_for_writing(self.path, self._schema, self._timeout)
        except (sqlite3.Error, OSError):
            self.unwritable = write_problem(self.path.parent)
            if self.unwritable is None:
                raise
            return _open_for_reading(self.path, self._schema)
        self.unwritable = None
        return db

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """The connection, for writes; raises DataFolderUnwritable if the folder cannot take them."""
        with self._lock:
            if self.unwritable is not None:  # the folder may have recovered since
                self._db.close()
                self._db = self._connect()
                if self.unwritable is not None:
                    raise DataFolderUnwritable(self.unwritable.user_message)
            try:
                yield self._db
            except sqlite3.Error:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                problem = write_problem(self.path.parent)
                if problem is None:
                    raise
                raise problem from None

    def close(self) -> None:
        self._db.close()
