"""Where a user's document store lives: one DuckDB file per owner inside Floe's data folder, or,
with a team database (FLOE_DATABASE_URL, PostgreSQL), that owner's rows in it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conversations.database import StateDatabase

    from .server_store import ServerStore
    from .store import Store


@dataclass(frozen=True)
class ServerDocuments:
    """An owner's documents in the team database."""

    db: StateDatabase
    owner: str

    def __str__(self) -> str:  # a cache key: the database without its password, and the owner
        return f"{self.db.where}#{self.owner}"


DocumentsLocation = Path | ServerDocuments


def open_store(where: DocumentsLocation | str) -> Store | ServerStore:
    """The store at `where`, opened for reading and writing; close it (or use `with`) when done."""
    if isinstance(where, ServerDocuments):
        from .server_store import ServerStore

        return ServerStore(where.db, where.owner)
    from .store import Store

    return Store(where)


def may_hold_documents(where: DocumentsLocation | str) -> bool:
    """False when there is certainly nothing to search (no DuckDB file yet)."""
    return isinstance(where, ServerDocuments) or Path(where).exists()


def store_path(data_dir: str | Path, owner: str) -> Path:
    """`owner` as the app names it ("local", "user:…", "visitor:…"); hashed so no e-mail reaches a file name."""
    name = "local" if owner == "local" else hashlib.sha256(owner.encode()).hexdigest()[:24]
    return Path(data_dir) / "documents" / f"{name}.duckdb"
