"""Alembic's entry point for Floe's stored state: runs on the connection the caller passes in
(conversations/database.py), inside the caller's transaction, so concurrent starts migrate once."""

from alembic import context

context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
