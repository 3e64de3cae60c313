"""Conversations, messages, usage counters and semantic models, as Floe kept them before analyses.

Every table and index is created only if missing: files written before Floe used migrations hold
some or all of them already, and are brought under migrations by running this on them.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
        if_not_exists=True,
    )
    op.create_index("conversations_owner", "conversations", ["owner", "updated"], if_not_exists=True)
    op.create_table(
        "messages",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column(
            "conversation_id",
            sa.Text,
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="complete"),
        sa.Column("meta", sa.Text, nullable=False, server_default="{}"),
        sa.Column("feedback", sa.Integer),
        sa.Column("feedback_comment", sa.Text),
        sa.Column("created", sa.Float, nullable=False),
        if_not_exists=True,
    )
    op.create_index("messages_conversation", "messages", ["conversation_id", "seq"], if_not_exists=True)
    op.create_table(
        "usage",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("tokens", sa.Integer, nullable=False),
        if_not_exists=True,
    )
    op.create_index("usage_owner_at", "usage", ["owner", "at"], if_not_exists=True)
    op.create_table(
        "semantic_models",
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("source_key", sa.Text, nullable=False),
        sa.Column("yaml", sa.Text, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("owner", "source_key"),
        if_not_exists=True,
    )
