"""ConversationStore: conversations, their messages, and feedback, in Floe's state database.

Every query is filtered by `owner`, so one visitor's conversations are never read by another. The
database is a SQLite file by default (many small transactional writes from concurrent sessions) or
the deployment's server database (database.py). While a SQLite file's folder is read-only or full,
conversations can be read and every write raises DataFolderUnwritable.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, insert, select, update

from .database import StateDatabase
from .schema import conversations, messages


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


def open_database(where: StateDatabase | str | Path, timeout: float = 5.0) -> StateDatabase:
    """A StateDatabase as it is, else one opened on a database URL or a SQLite file's path."""
    return where if isinstance(where, StateDatabase) else StateDatabase(where, timeout=timeout)


_c = conversations.c
_CONVERSATION = (_c.id, _c.title, _c.created, _c.updated, _c.kind)


def _owned_by(owner: str):
    """Messages of `owner`'s conversations only."""
    return messages.c.conversation_id.in_(select(conversations.c.id).where(conversations.c.owner == owner))


class ConversationStore:
    def __init__(self, where: StateDatabase | str | Path):
        self.db = open_database(where)

    @property
    def path(self) -> Path | None:
        return self.db.path

    @property
    def unwritable(self):
        return self.db.unwritable

    def close(self) -> None:
        self.db.close()

    def _write(self, statement) -> None:
        with self.db.writing() as conn:
            conn.execute(statement)

    # -- conversations ---------------------------------------------------------------------------
    def create(self, owner: str, title: str = "New chat", kind: str = "chat") -> str:
        cid, now = uuid.uuid4().hex, time.time()
        self._write(
            insert(conversations).values(
                id=cid, owner=owner, title=title, created=now, updated=now, kind=kind
            )
        )
        return cid

    def list(self, owner: str, kind: str = "chat") -> list[Conversation]:
        rows = self.db.read(
            select(*_CONVERSATION)
            .where(conversations.c.owner == owner, conversations.c.kind == kind)
            .order_by(conversations.c.updated.desc())
        )
        return [Conversation(*row) for row in rows]

    def get(self, owner: str, cid: str) -> Conversation | None:
        rows = self.db.read(
            select(*_CONVERSATION).where(conversations.c.owner == owner, conversations.c.id == cid)
        )
        return Conversation(*rows[0]) if rows else None

    def rename(self, owner: str, cid: str, title: str) -> None:
        title = title.strip() or "Untitled"
        self._write(
            update(conversations)
            .where(conversations.c.owner == owner, conversations.c.id == cid)
            .values(title=title[:120])
        )

    def delete(self, owner: str, cid: str) -> None:
        self._write(delete(conversations).where(conversations.c.owner == owner, conversations.c.id == cid))

    def clear(self, owner: str, cid: str) -> None:
        """Remove a conversation's messages but keep the conversation."""
        self._write(delete(messages).where(messages.c.conversation_id == cid, _owned_by(owner)))

    # -- messages --------------------------------------------------------------------------------
    def messages(self, owner: str, cid: str) -> list[StoredMessage]:
        m = messages.c
        rows = self.db.read(
            select(m.id, m.role, m.content, m.status, m.meta, m.feedback, m.feedback_comment)
            .where(m.conversation_id == cid, _owned_by(owner))
            .order_by(m.seq)
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
        next_seq = (
            select(func.coalesce(func.max(messages.c.seq), 0) + 1)
            .where(messages.c.conversation_id == cid)
            .scalar_subquery()
        )
        with self.db.writing() as conn:
            conn.execute(
                insert(messages).values(
                    id=mid,
                    conversation_id=cid,
                    seq=next_seq,
                    role=role,
                    content=content,
                    status=status,
                    meta=json.dumps(meta or {}),
                    created=now,
                )
            )
            conn.execute(update(conversations).where(conversations.c.id == cid).values(updated=now))
        return mid

    def update_message(
        self, owner: str, mid: str, content: str, status: str, meta: dict | None = None
    ) -> None:
        values = {"content": content, "status": status}
        if meta is not None:
            values["meta"] = json.dumps(meta)
        self._write(update(messages).where(messages.c.id == mid, _owned_by(owner)).values(**values))

    def set_feedback(self, owner: str, mid: str, score: int | None, comment: str | None = None) -> None:
        self._write(
            update(messages)
            .where(messages.c.id == mid, _owned_by(owner))
            .values(feedback=score, feedback_comment=comment or None)
        )
