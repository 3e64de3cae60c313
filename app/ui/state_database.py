"""Floe's state database for the pages: the deployment's server database (FLOE_DATABASE_URL or
[connections.floe]), one engine per process shared by every store; else SQLite files in the data folder."""

from __future__ import annotations

import os

import streamlit as st

from backends import BackendError
from conversations.database import StateDatabase, database_url

from .config import data_dir, deployment_config, floe_connection_secrets

CONVERSATIONS_FILE = "conversations.sqlite"  # conversations, analyses, feedback and usage counters
SQLITE_TIMEOUT_S = 30  # a write waits this long for another session's write to finish


@st.cache_resource(show_spinner=False)
def _database(location: str) -> StateDatabase:
    if "://" in location:
        return StateDatabase(location)
    return StateDatabase.sqlite_file(location, timeout=SQLITE_TIMEOUT_S)


def state_database(file_name: str) -> StateDatabase:
    """Raises StoreUnreachable (a server that does not answer) or NotConfigured (a URL that does not read)."""
    url = database_url(deployment_config(), floe_connection_secrets())
    if url is not None:
        return _database(url.render_as_string(hide_password=False))
    return _database(os.path.join(data_dir(), file_name))


def stop_unless_state_database_opens() -> None:
    """Before any page: a server database that is set up but cannot be reached, refuses the
    credentials, or whose URL does not read stops the app with a message naming the setting."""
    try:
        if database_url(deployment_config(), floe_connection_secrets()) is not None:
            state_database(CONVERSATIONS_FILE)
    except BackendError as err:
        st.error(f"**Floe's database is not available.** {err.user_message}", icon=":material/database:")
        st.caption(
            "Floe keeps conversations, analyses, semantic models and usage limits in the database that "
            "FLOE_DATABASE_URL (or [connections.floe] in secrets) names; remove the setting to keep them "
            "in SQLite files in the data folder instead."
        )
        st.stop()
