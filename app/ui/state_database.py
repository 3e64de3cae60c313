"""Floe's state database for the pages: the deployment's server database (FLOE_DATABASE_URL or
[connections.floe]), one engine per process shared by every store; else SQLite files in the data folder."""

from __future__ import annotations

import os

import streamlit as st

from backends import BackendError
from backends.data_folder import DataFolderUnwritable
from conversations import ConversationStore
from conversations.database import StateDatabase, StoreUnreachable, database_url
from conversations.turn import UnsavedAnswer
from rag.paths import DocumentsLocation, ServerDocuments, store_path

from . import state
from .config import data_dir, deployment_config, floe_connection_secrets

CONVERSATIONS_FILE = "conversations.sqlite"  # conversations, analyses, feedback and usage counters
SQLITE_TIMEOUT_S = 30  # a write waits this long for another session's write to finish


@st.cache_resource(show_spinner=False)
def _database(location: str) -> StateDatabase:
    if "://" in location:
        return StateDatabase(location)
    return StateDatabase.sqlite_file(location, timeout=SQLITE_TIMEOUT_S)


def _team_database_url():
    """The deployment's database URL (environment, secrets), or None for the SQLite files."""
    return database_url(deployment_config(), floe_connection_secrets())


def state_database(file_name: str) -> StateDatabase:
    """Raises StoreUnreachable (a server that does not answer) or NotConfigured (a URL that does not read)."""
    url = _team_database_url()
    if url is not None:
        return _database(url.render_as_string(hide_password=False))
    return _database(os.path.join(data_dir(), file_name))


def documents_location(owner: str) -> DocumentsLocation:
    """This owner's documents: in the team database when one is set, else a DuckDB file in the data folder."""
    if _team_database_url() is not None:
        return ServerDocuments(state_database(CONVERSATIONS_FILE), owner)
    return store_path(data_dir(), owner)


def stop_unless_state_database_opens() -> None:
    """Before any page: a server database that is set up but cannot be reached, refuses the
    credentials, or whose URL does not read stops the app with a message naming the setting."""
    try:
        if _team_database_url() is not None:
            state_database(CONVERSATIONS_FILE)
    except BackendError as err:
        st.error(f"**Floe's database is not available.** {err.user_message}", icon=":material/database:")
        st.caption(
            "Floe keeps conversations, analyses, semantic models and usage limits in the database that "
            "FLOE_DATABASE_URL (or [connections.floe] in secrets) names; remove the setting to keep them "
            "in SQLite files in the data folder instead."
        )
        st.stop()


def keep_unsaved(answer: UnsavedAnswer | None) -> None:
    """Hold an answer the store refused in this session, to save when the store is back."""
    if answer is not None:
        st.session_state.setdefault(state.UNSAVED_ANSWERS, []).append(answer)


def save_unsaved_answers(store: ConversationStore) -> dict[str, UnsavedAnswer]:
    """Save what this session holds; return, by message id, what still cannot be saved."""
    waiting = []
    for answer in st.session_state.get(state.UNSAVED_ANSWERS, []):
        try:
            answer.save(store)
        except StoreUnreachable:
            raise  # the whole page says so (show_store_unreachable), with these answers
        except DataFolderUnwritable:
            waiting.append(answer)  # the data folder notice says why
    st.session_state[state.UNSAVED_ANSWERS] = waiting
    return {a.message_id: a for a in waiting}


def show_store_unreachable(err: StoreUnreachable) -> None:
    """What a page shows when the server database went away under it: why, and what this session
    holds that is not saved yet (kept until the database answers again)."""
    st.error(f"**Floe's database is unreachable.** {err.user_message}", icon=":material/database:")
    if prompt := st.session_state.get(state.UNSENT_PROMPT):
        st.caption("Your message was not sent; copy it to send it again once the database answers:")
        st.code(prompt, language=None, wrap_lines=True)
    for answer in st.session_state.get(state.UNSAVED_ANSWERS, []):
        with st.chat_message("assistant"):
            st.markdown(answer.content)
            st.caption(
                ":material/cloud_off: Not saved yet: kept in this browser tab and saved when the "
                "database answers again (reload the page then)."
            )
