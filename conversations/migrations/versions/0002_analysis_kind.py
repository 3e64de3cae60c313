"""Analyses (Ask your data) are conversations of kind 'analysis'; what was stored before is a chat.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("conversations")}
    if "kind" not in columns:  # a file written by a Floe with analyses but before migrations has it
        op.add_column("conversations", sa.Column("kind", sa.Text, nullable=False, server_default="chat"))
