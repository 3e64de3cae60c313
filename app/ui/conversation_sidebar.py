"""Sidebar for the Chat page: pick, create, rename, clear, delete and export conversations."""

from __future__ import annotations

import streamlit as st

from backends.data_folder import DataFolderUnwritable
from conversations import ConversationStore, to_json, to_markdown

from . import state
from .state_database import CONVERSATIONS_FILE, state_database


def conversation_store() -> ConversationStore:
    return ConversationStore(state_database(CONVERSATIONS_FILE))


def _saving(write):
    """A widget callback that writes; if the data folder refuses, the page's notice says why."""

    def callback(*args) -> None:
        try:
            write(*args)
        except DataFolderUnwritable:
            pass  # the data folder notice, shown on this rerun, explains; nothing was changed

    return callback


def _new(store: ConversationStore, owner: str) -> None:
    st.session_state[state.CONVERSATION] = store.create(owner)


def _delete(store: ConversationStore, owner: str, cid: str) -> None:
    store.delete(owner, cid)
    remaining = store.list(owner)
    st.session_state[state.CONVERSATION] = remaining[0].id if remaining else store.create(owner)


def _export(render, store: ConversationStore, owner: str, cid: str) -> str:
    return render(store.get(owner, cid), store.messages(owner, cid))


def _rename(store: ConversationStore, owner: str, cid: str) -> None:
    store.rename(owner, cid, st.session_state[f"rename-{cid}"])


def unique_labels(oldest_first: list[tuple[str, str]]) -> dict[str, str]:
    """A label per conversation: a picker tells options apart by label, so repeated titles get (2), (3)..."""
    labels: dict[str, str] = {}
    taken: set[str] = set()
    for cid, title in oldest_first:
        label, n = title, 1
        while label in taken:
            n += 1
            label = f"{title} ({n})"
        labels[cid] = label
        taken.add(label)
    return labels


def active_conversation(store: ConversationStore, owner: str, read_only: bool = False) -> str | None:
    """Render the conversation controls; return the id of the conversation to show.

    read_only: the data folder cannot be written, so only reading and exporting are offered;
    None when there is no conversation and none can be created.
    """
    conversations = store.list(owner)
    if not conversations:
        try:
            store.create(owner)
        except DataFolderUnwritable:
            return None
        conversations = store.list(owner)
    ids = [c.id for c in conversations]
    labels = unique_labels([(c.id, c.title) for c in reversed(conversations)])
    titles = {c.id: labels[c.id] for c in conversations}  # newest first
    if st.session_state.get(state.CONVERSATION) not in ids:
        st.session_state[state.CONVERSATION] = ids[0]

    sb = st.sidebar
    sb.subheader("Conversations")
    if owner.startswith("visitor:"):
        sb.caption("Kept for this browser session only.")
    sb.button(
        "New chat",
        icon=":material/add:",
        on_click=_saving(_new),
        args=(store, owner),
        width="stretch",
        disabled=read_only,
    )
    # The picker's key changes with the titles: a browser keeps showing a keyed widget's old labels.
    picker_key = f"conversation-picker-{hash(tuple(titles.items()))}"
    sb.selectbox(
        "Conversation",
        ids,
        index=ids.index(st.session_state[state.CONVERSATION]),
        format_func=titles.get,
        key=picker_key,
        on_change=lambda: st.session_state.update({state.CONVERSATION: st.session_state[picker_key]}),
    )
    cid = st.session_state[state.CONVERSATION]
    conversation = store.get(owner, cid)
    with sb.expander("Manage this conversation"):
        st.text_input(
            "Title",
            value=conversation.title,
            key=f"rename-{cid}",
            on_change=_saving(_rename),
            args=(store, owner, cid),
            disabled=read_only,
        )
        # Built only when clicked (on Streamlit's download thread), not on every rerun.
        st.download_button(
            "Export Markdown",
            lambda: _export(to_markdown, store, owner, cid),
            f"{conversation.title}.md",
            "text/markdown",
        )
        st.download_button(
            "Export JSON",
            lambda: _export(to_json, store, owner, cid),
            f"{conversation.title}.json",
            "application/json",
        )
        st.button("Clear messages", on_click=_saving(store.clear), args=(owner, cid), disabled=read_only)
        st.button(
            "Delete conversation",
            type="primary",
            on_click=_saving(_delete),
            args=(store, owner, cid),
            disabled=read_only,
        )
    return cid
