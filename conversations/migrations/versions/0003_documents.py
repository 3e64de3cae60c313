"""Documents in the server database: each owner's documents, chunks (text, metadata, a float32
embedding) and BM25 postings. PostgreSQL only: with the SQLite default, documents stay in the
data folder's DuckDB files (rag/store.py).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE IF NOT EXISTS rag_ids")
    op.create_table(
        "rag_meta",
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("owner", "key"),
    )
    op.create_table(
        "rag_documents",
        sa.Column("doc_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("pages", sa.Integer),
        sa.Column("chunks", sa.Integer, nullable=False),
        sa.Column("added_at", sa.DateTime, nullable=False),
        sa.Column("title", sa.Text),
        sa.UniqueConstraint("owner", "file"),
    )
    op.create_table(
        "rag_chunks",
        sa.Column("chunk_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column(
            "doc_id", sa.BigInteger, sa.ForeignKey("rag_documents.doc_id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("page", sa.Integer),
        sa.Column("heading", sa.Text),
        sa.Column("char_start", sa.Integer, nullable=False),
        sa.Column("char_end", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("tokens", sa.Integer, nullable=False),
        sa.Column("embedding", sa.LargeBinary, nullable=False),  # float32, little-endian
    )
    op.create_index("rag_chunks_doc", "rag_chunks", ["doc_id"])
    op.create_table(
        "rag_terms",
        sa.Column(
            "chunk_id",
            sa.BigInteger,
            sa.ForeignKey("rag_chunks.chunk_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("term", sa.Text, nullable=False),
        sa.Column("tf", sa.Integer, nullable=False),
        sa.Column("doc_len", sa.Integer, nullable=False),
    )
    op.create_index("rag_terms_chunk", "rag_terms", ["chunk_id"])
