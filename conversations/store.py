"""ConversationStore: conversations, their messages, and feedback, in one SQLite file.

Every query is filtered by `owner`, so one visitor's conversations are never read by another.
SQLite (stdlib) rather than DuckDB: many small transactional writes from concurrent sessions.
While the data folder is read-only or full, conversations can be read and every write raises
DataFolderUnwritable (see sqlite_file.py).
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .sqlite_file import SqliteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL,
    created REAL NOT NULL, updated REAL NOT NULL,
    kind TEXT NOT NULL DEFAULT 'chat'  -- chat | analysis (Ask your data)
);
CREATE INDEX IF NOT EXISTS conversations_owner ON conversations(owner, updated);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'complete',  -- complete | streaming | stopped | error
    meta TEXT NOT NULL DEFAULT '{}', feedback INTEGER, feedback_comment TEXT, created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_conversation ON messages(conversation_id, seq);
"""


@dataclass
class StoredMessage:
    id: str
    role: str
    content: str
    status: str = "complete"
    meta: dict = field(default_factory=dict)
    feedback: int | None = None  # 1 thumbs up, 0 thumbs down
    feedback_comment: str | None = None


@dataclass(frozen=True)
class Conversation:
    id: str
    title: str
    created: float
    updated: float
    kind: str = "chat"


class ConversationStore(SqliteFile):
    def __init__(self, path: str | Path):
        super().__init__(path, SCHEMA)
        if self.unwritable is None:
            self._add_kind_column()

    def _add_kind_column(self) -> None:
        """Files written before analyses existed hold only chats: give them the column, as 'chat'."""
        columns = {row[1] for row in self._read("PRAGMA table_info(conversations)")}
        if "kind" not in columns:
            try:
                self._write("ALTER TABLE conversations ADD COLUMN kind TEXT NOT NULL DEFAULT 'chat'")
            except sqlite3.OperationalError as err:  # another process added it first
                if "duplicate column" not in str(err):
                    raise

    def _write(self, sql: str, args: tuple = ()) -> None:
        with self._writing() as db:
            db.execute(sql, args)

    # -- conversations ---------------------------------------------------------------------------
    def create(self, owner: str, title: str = "New chat", kind: str = "chat") -> str:
        cid, now = uuid.uuid4().hex, time.time()
        self._write(
            "INSERT INTO conversations (id, owner, title, created, updated, kind) VALUES (?, ?, ?, ?, ?, ?)",
            (cid, owner, title, now, now, kind),
        )
        return cid

    def list(self, owner: str, kind: str = "chat") -> list[Conversation]:
        rows = self._read(
            "SELECT id, title, created, updated, kind FROM conversations WHERE owner = ? AND kind = ? "
            "ORDER BY updated DESC",
            (owner, kind),
        )
        return [Conversation(*row) for row in rows]

    def get(self, owner: str, cid: str) -> Conversation | None:
        rows = self._read(
            "SELECT id, title, created, updated, kind FROM conversations WHERE owner = ? AND id = ?",
            (owner, cid),
        )
        return Conversation(*rows[0]) if rows else None

    def rename(self, owner: str, cid: str, title: str) -> None:
        title = title.strip() or "Untitled"
        self._write(
            "UPDATE conversations SET title = ? WHERE owner = ? AND id = ?", (title[:120], owner, cid)
        )

    def delete(self, owner: str, cid: str) -> None:
        self._write("DELETE FROM conversations WHERE owner = ? AND id = ?", (owner, cid))

    def clear(self, owner: str, cid: str) -> None:
        """Remove a conversation's messages but keep the conversation."""
        self._write(
            "DELETE FROM messages WHERE conversation_id IN (SELECT id FROM conversations WHERE owner = ? AND id = ?)",
            (owner, cid),
        )

    # -- messages --------------------------------------------------------------------------------
    def messages(self, owner: str, cid: str) -> list[StoredMessage]:
        rows = self._read(
            "SELECT m.id, m.role, m.content, m.status, m.meta, m.feedback, m.feedback_comment "
            "FROM messages m JOIN conversations c ON c.id = m.conversation_id "
            "WHERE c.owner = ? AND c.id = ? ORDER BY m.seq",
            (owner, cid),
        )
        return [StoredMessage(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6]) for r in rows]

    def append(
        self,
        owner: str,
        cid: str,
        role: str,
        content: str,
        status: str = "complete",
        meta: dict | None = None,
    ) -> str:
        if self.get(owner, cid) is None:
            raise KeyError("no such conversation for this owner")
        mid, now = uuid.uuid4().hex, time.time()
        with self._writing() as db:
            db.execute(
                "INSERT INTO messages (id, conversation_id, seq, role, content, status, meta, created) "
                "VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = ?),"
                " ?, ?, ?, ?, ?)",
                (mid, cid, cid, role, content, status, json.dumps(meta or {}), now),
            )
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, cid))
        return mid

    def update_message(
        self, owner: str, mid: str, content: str, status: str, meta: dict | None = None
    ) -> None:
        self._write(
            "UPDATE messages SET content = ?, status = ?, meta = COALESCE(?, meta) WHERE id = ? AND "
            "conversation_id IN (SELECT id FROM conversations WHERE owner = ?)",
            (content, status, json.dumps(meta) if meta is not None else None, mid, owner),
        )

    def set_feedback(self, owner: str, mid: str, score: int | None, comment: str | None = None) -> None:
        self._write(
            "UPDATE messages SET feedback = ?, feedback_comment = ? WHERE id = ? AND "
            "conversation_id IN (SELECT id FROM conversations WHERE owner = ?)",
            (score, comment or None, mid, owner),
        )
