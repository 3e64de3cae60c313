"""Where Floe keeps its state: a SQLite file in the data folder (the default) or a server database.

One setting, a SQLAlchemy URL (`FLOE_DATABASE_URL`, or a `[connections.floe]` table in secrets as
`st.connection("floe", type="sql")` reads it), moves conversations, analyses, semantic models,
verified queries, feedback and usage counters to PostgreSQL. The schema is `schema.py`; opening a
database brings it to the newest migration (Alembic), one process at a time, so an upgrade of
Floe keeps what is stored.

A SQLite file stays readable while its folder cannot be written (read-only or full): it is opened
read-only, and every write raises DataFolderUnwritable until the folder recovers. A server database
that cannot be reached, or refuses the credentials, raises StoreUnreachable with a message that
names the setting and the server, never the password.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from backends.data_folder import DataFolderUnwritable, write_problem
from backends.errors import NotConfigured, register_secret

URL_SETTING = "FLOE_DATABASE_URL"
MIGRATIONS = Path(__file__).parent / "migrations"
CONNECT_TIMEOUT_S = 5  # a server that does not answer is reported, not waited on
_SERIALIZE_KEY = 0x466C6F65  # PostgreSQL advisory lock: "Floe"
_CONNECTION_LOST = (OperationalError, InterfaceError)  # the server is away or refused the connection


class StoreUnreachable(DataFolderUnwritable):
    """The server database cannot be reached or refused Floe: nothing can be read or saved now.
    A DataFolderUnwritable, so every page that copes with an unwritable data folder copes with it."""

    hint = ""


def database_url(config: Mapping[str, object], connection: Mapping[str, object] | None = None) -> URL | None:
    """The deployment's database URL, or None for the SQLite default. `connection` is secrets'
    `[connections.floe]`: a `url`, or its parts (dialect, driver, host, port, database, username, password)."""
    raw = str(config.get(URL_SETTING) or "").strip()
    connection = dict(connection or {})
    try:
        if raw:
            url = make_url(raw)
        elif connection.get("url"):
            url = make_url(str(connection["url"]))
        elif connection.get("dialect"):
            driver = (
                f"{connection['dialect']}+{connection['driver']}"
                if connection.get("driver")
                else connection["dialect"]
            )
            url = URL.create(
                str(driver),
                username=connection.get("username"),
                password=connection.get("password"),
                host=connection.get("host"),
                port=int(connection["port"]) if connection.get("port") else None,
                database=connection.get("database"),
                query=dict(connection.get("query") or {}),
            )
        else:
            return None
    except (ArgumentError, ValueError) as err:
        where = URL_SETTING if raw else "[connections.floe] in secrets"
        raise NotConfigured(
            f"{where} is not a database URL Floe can read ({_without_secrets(str(err), raw)}). "
            "Write it as postgresql://user:password@host:5432/database."
        ) from None
    if url.drivername == "postgresql":  # SQLAlchemy's default driver is psycopg2; Floe ships psycopg 3
        url = url.set(drivername="postgresql+psycopg")
    return url


def _without_secrets(message: str, *secrets: str | None) -> str:
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return message


def open_state_database(
    config: Mapping[str, object],
    folder: str | Path,
    file_name: str,
    connection: Mapping[str, object] | None = None,
) -> StateDatabase:
    """The deployment's server database if one is set, else the SQLite file `file_name` in `folder`."""
    url = database_url(config, connection)
    return StateDatabase(url) if url else StateDatabase.sqlite_file(Path(folder) / file_name)


class StateDatabase:
    """An engine over Floe's state, migrated to the newest schema. Stores read with `read` and
    write in `writing()`, one transaction each."""

    def __init__(self, url: str | URL | Path, *, timeout: float = 5.0):
        if isinstance(url, Path) or (isinstance(url, str) and "://" not in url):
            url = f"sqlite:///{url}"  # a SQLite file's path
        self.url = make_url(url)
        register_secret(self.url.password)  # kept out of every message Floe shows or logs
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.path = Path(self.url.database) if self.is_sqlite else None
        self._timeout = timeout
        self._reopen = threading.Lock()
        self.unwritable: DataFolderUnwritable | None = None  # set while only reading is possible
        self.engine = self._open()

    @classmethod
    def sqlite_file(cls, path: str | Path, timeout: float = 5.0) -> StateDatabase:
        return cls(Path(path), timeout=timeout)

    @property
    def where(self) -> str:
        """The database for messages: the file, or the URL without its password."""
        return str(self.path) if self.is_sqlite else self.url.render_as_string(hide_password=True)

    # -- opening -----------------------------------------------------------------------------------
    def _open(self) -> Engine:
        if not self.is_sqlite:
            engine = create_engine(
                self.url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}
            )
            try:
                _migrate(engine)
            except SQLAlchemyError as err:
                engine.dispose()
                raise self._unreachable(err) from None
            return engine
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            engine = _sqlite_engine(self.path, self._timeout)
            _migrate(engine)
        except (SQLAlchemyError, OSError):
            self.unwritable = write_problem(self.path.parent)
            if self.unwritable is None:
                raise
            return _read_only_sqlite_engine(self.path)
        self.unwritable = None
        return engine

    def _unreachable(self, err: Exception) -> StoreUnreachable:
        reason = " ".join(str(getattr(err, "orig", None) or err).split()).rstrip(".")
        if "authentication failed" in reason:
            reason = f"the server refused the login of user {self.url.username!r} (check the user name and password)"
        reason = _without_secrets(reason, self.url.password)
        return StoreUnreachable(
            f"Floe cannot use its database {self.where} ({URL_SETTING}): {reason}. Conversations, "
            "analyses and usage limits are unavailable until it answers; check the setting and that "
            "the server is running, then reload the page."
        )

    # -- reading and writing -----------------------------------------------------------------------
    def read(self, statement) -> list:
        with self.reading() as conn:
            return list(conn.execute(statement).all())

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for several reads that see one state of the database."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except _CONNECTION_LOST as err:  # a constraint or a query's own error is not the server's absence
            if self.is_sqlite:
                raise
            raise self._unreachable(err) from None

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A connection in a write transaction (committed at the end of the block, rolled back on an
        error); raises DataFolderUnwritable while a SQLite file's folder cannot take writes."""
        if self.unwritable is not None:  # the folder may have recovered since
            with self._reopen:
                if self.unwritable is not None:
                    self.engine.dispose()
                    self.engine = self._open()
            if self.unwritable is not None:
                raise DataFolderUnwritable(self.unwritable.user_message)
        try:
            with self.engine.execution_options(floe_write=True).begin() as conn:
                yield conn
        except DBAPIError as err:
            if not self.is_sqlite:
                if isinstance(err, _CONNECTION_LOST):
                    raise self._unreachable(err) from None
                raise
            problem = write_problem(self.path.parent)
            if problem is None:
                raise
            raise problem from None

    @staticmethod
    def serialize(conn: Connection) -> None:
        """Make this write transaction the only one of its kind until it ends, across processes and
        servers (a check-then-write like reserving a usage budget). SQLite's writes already are."""
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SERIALIZE_KEY})

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_engine(path: Path, timeout: float) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": timeout, "check_same_thread": False})
    _take_over_transactions(engine, wal=True)
    return engine


def _read_only_sqlite_engine(path: Path) -> Engine:
    """mode=ro reads a WAL file whose -shm file exists; where SQLite cannot create one (a read-only or
    full folder), immutable=1 reads the database file alone. No file yet: an empty in-memory copy."""
    for flags in ("mode=ro", "immutable=1"):
        if not path.exists():
            break
        uri = f"{path.resolve().as_uri()}?{flags}"
        try:
            with sqlite3.connect(uri, uri=True) as probe:
                probe.execute("SELECT count(*) FROM sqlite_master").fetchall()
        except sqlite3.Error:
            continue
        engine = create_engine(
            "sqlite://",
            creator=lambda uri=uri: sqlite3.connect(uri, uri=True, check_same_thread=False),
            poolclass=StaticPool,
        )
        _take_over_transactions(engine)
        return engine
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    _take_over_transactions(engine)
    _migrate(engine)
    return engine


def _take_over_transactions(engine: Engine, wal: bool = False) -> None:
    """pysqlite's own transaction handling is switched off so a write can begin IMMEDIATE: it takes
    the file's write lock at once, so a check-then-write (a usage reservation, a migration) is atomic
    across processes. Reads begin DEFERRED and never block writers (WAL)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        if wal:  # readers and a writer at once; fails on a folder that cannot be written
            dbapi_connection.execute("PRAGMA journal_mode = WAL")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("floe_write") else "BEGIN")


_scripts: ScriptDirectory | None = None


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def newest_revision() -> str:
    global _scripts
    _scripts = _scripts or ScriptDirectory.from_config(_alembic_config())
    return _scripts.get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _migrate(engine: Engine, to: str = "head") -> None:
    """Bring the database to revision `to` in one write transaction; a no-op when it is there."""
    target = newest_revision() if to == "head" else to
    if current_revision(engine) == target:
        return
    with engine.execution_options(floe_write=True).begin() as conn:
        StateDatabase.serialize(conn)  # another server may be migrating the same database right now
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, to)


def migrate_to(url: str | URL | Path, revision: str) -> None:
    """Bring a database to an older revision (tests make 'a database of the previous version' with it)."""
    url = make_url(f"sqlite:///{url}") if isinstance(url, Path) else make_url(url)
    engine = (
        _sqlite_engine(Path(url.database), 5.0) if url.get_backend_name() == "sqlite" else create_engine(url)
    )
    try:
        _migrate(engine, to=revision)
    finally:
        engine.dispose()
