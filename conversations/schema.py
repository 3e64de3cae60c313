"""The tables of everything Floe keeps per owner, in one definition for SQLite and PostgreSQL.

The stores write their queries against these (SQLAlchemy Core), so the same code runs on both. A
change here needs a migration in migrations/versions/ too: that is what upgrades stored data.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)

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

# Documents in the server database (PostgreSQL only; the SQLite default keeps them in DuckDB files).
rag_meta = Table(
    "rag_meta",
    metadata,
    Column("owner", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("owner", "key"),
)

rag_documents = Table(
    "rag_documents",
    metadata,
    Column("doc_id", BigInteger, primary_key=True, autoincrement=False),
    Column("owner", Text, nullable=False),
    Column("file", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("content_hash", Text, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("pages", Integer),
    Column("chunks", Integer, nullable=False),
    Column("added_at", DateTime, nullable=False),
    Column("title", Text),
    UniqueConstraint("owner", "file"),
)

rag_chunks = Table(
    "rag_chunks",
    metadata,
    Column("chunk_id", BigInteger, primary_key=True, autoincrement=False),
    Column("doc_id", BigInteger, ForeignKey("rag_documents.doc_id", ondelete="CASCADE"), nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("page", Integer),
    Column("heading", Text),
    Column("char_start", Integer, nullable=False),
    Column("char_end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("tokens", Integer, nullable=False),
    Column("embedding", LargeBinary, nullable=False),  # float32, little-endian
    Index("rag_chunks_doc", "doc_id"),
)

rag_terms = Table(
    "rag_terms",
    metadata,
    Column("chunk_id", BigInteger, ForeignKey("rag_chunks.chunk_id", ondelete="CASCADE"), nullable=False),
    Column("term", Text, nullable=False),
    Column("tf", Integer, nullable=False),
    Column("doc_len", Integer, nullable=False),
    Index("rag_terms_chunk", "chunk_id"),
)
