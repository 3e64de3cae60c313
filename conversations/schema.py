"""The tables of everything Floe keeps per owner, in one definition for SQLite and PostgreSQL.

The stores write their queries against these (SQLAlchemy Core), so the same code runs on both. A
change here needs a migration in migrations/versions/ too: that is what upgrades stored data.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, MetaData, PrimaryKeyConstraint, Table, Text

metadata = MetaData()

conversations = Table(
    "conversations",
    metadata,
    Column("id", Text, primary_key=True),
    Column("owner", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("created", Float, nullable=False),
    Column("updated", Float, nullable=False),
    Column("kind", Text, nullable=False, server_default="chat"),  # chat | analysis (Ask your data)
    Index("conversations_owner", "owner", "updated"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Text, primary_key=True),
    Column("conversation_id", Text, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("role", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="complete"),  # complete|streaming|stopped|error
    Column("meta", Text, nullable=False, server_default="{}"),  # JSON
    Column("feedback", Integer),  # 1 thumbs up, 0 thumbs down
    Column("feedback_comment", Text),
    Column("created", Float, nullable=False),
    Index("messages_conversation", "conversation_id", "seq"),
)

usage = Table(
    "usage",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner", Text, nullable=False),
    Column("at", Float, nullable=False),
    Column("tokens", Integer, nullable=False),
    Index("usage_owner_at", "owner", "at"),
)

semantic_models = Table(
    "semantic_models",
    metadata,
    Column("owner", Text, nullable=False),
    Column("source_key", Text, nullable=False),
    Column("yaml", Text, nullable=False),
    Column("updated", Float, nullable=False),
    PrimaryKeyConstraint("owner", "source_key"),
)
