"""How one chat message looks: text, status, usage line, feedback."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from backends.data_folder import DataFolderUnwritable
from conversations import ConversationStore, StoredMessage
from rag.answer import check_chat_reply

from . import state
from .citations import checked_answer_markdown, render_citations


def usage_line(meta: dict) -> str:
    parts = [meta.get("backend", ""), meta.get("model", "")]
    if "completion_tokens" in meta:
        approx = "" if meta.get("tokens_exact") else "~"
        parts.append(f"{approx}{meta['prompt_tokens']} in / {approx}{meta['completion_tokens']} out tokens")
    if meta.get("first_token_s") is not None:
        parts.append(f"first token {meta['first_token_s']:.2f} s")
    if meta.get("tokens_per_s"):
        parts.append(f"{meta['tokens_per_s']:.1f} tok/s")
    return " · ".join(p for p in parts if p)


def feedback_controls(
    store: ConversationStore,
    owner: str,
    mid: str,
    score: int | None,
    comment: str | None,
    read_only: bool = False,
):
    """Thumbs up or down on a stored answer (a chat message or an analysis turn), and a comment once rated."""
    key, comment_key = f"fb-{mid}", f"fb-comment-{mid}"
    if key not in st.session_state and score is not None:
        st.session_state[key] = score

    def save() -> None:
        try:
            store.set_feedback(owner, mid, st.session_state.get(key), st.session_state.get(comment_key))
        except DataFolderUnwritable:
            pass  # the data folder notice, shown on this rerun, explains; nothing was changed

    st.feedback("thumbs", key=key, on_change=save, disabled=read_only)
    if st.session_state.get(key) is not None:
        st.text_input(
            "Comment (optional)", value=comment or "", key=comment_key, on_change=save, disabled=read_only
        )


def _retry() -> None:
    st.session_state[state.RETRY] = True


def render_message(
    store: ConversationStore,
    owner: str,
    m: StoredMessage,
    is_last: bool,
    read_only: bool = False,
    question: str = "",
) -> None:
    """`question`: the user message this one answers (a reply from documents is checked against it)."""
    with st.chat_message(m.role):
        meta = m.meta
        checked = check_chat_reply(question, m.content, meta["citations"]) if meta.get("citations") else []
        # Rewritten sentence by sentence only when the check changed something: a reply's own layout
        # (paragraphs, lists) is kept otherwise.
        changed = any(s.claim and (not s.supported or s.recited_from is not None) for s in checked)
        if m.content:
            st.markdown(checked_answer_markdown(checked, m.content) if changed else m.content)
        if unbacked := [s for s in checked if s.claim and not s.supported]:
            st.caption(
                f"{len(unbacked)} sentence(s) greyed: none of the passages below backs them, so they are not cited."
            )
        if m.role != "assistant":
            return
        if m.status in ("stopped", "streaming"):
            st.caption(":material/stop_circle: Stopped: the partial answer is kept.")
        if m.status == "refused":
            st.warning(meta.get("error", "Declined by the safety guard."), icon=":material/shield:")
        if m.status == "error":
            st.error(f"{meta.get('error', 'The backend failed.')} {meta.get('hint', '')}".strip())
            if is_last and not read_only:
                st.button("Retry", key=f"retry-{m.id}", icon=":material/refresh:", on_click=_retry)
        if meta.get("citations"):
            st.caption("Sources from your documents:")
            render_citations(meta["citations"])
        if meta.get("notice"):
            st.caption(f":material/info: {meta['notice']}")
        if line := usage_line(meta):
            st.caption(line)
        if m.status not in ("error", "refused"):
            feedback_controls(store, owner, m.id, m.feedback, m.feedback_comment, read_only)


def show_queue_place(slot, ahead: int | None, can_stop: bool = True) -> None:
    """While the embedded model serves other visitors: where this answer stands in line."""
    if ahead is None:
        slot.empty()
    else:
        slot.caption(
            f":material/hourglass_top: Queued: the model answers one request at a time and "
            f"{ahead} {'is' if ahead == 1 else 'are'} ahead of yours."
            + (" Stop leaves the queue." if can_stop else "")
        )


def queue_place_reporter() -> Callable[[int | None], None]:
    """An `on_queue` callback for a request with no Stop button (Ask your data): its caption appears
    where the page is being written only once the request has to wait, and goes when it starts."""
    slot = None

    def report(ahead: int | None) -> None:
        nonlocal slot
        if slot is None and ahead is None:
            return
        slot = slot or st.empty()
        show_queue_place(slot, ahead, can_stop=False)

    return report
