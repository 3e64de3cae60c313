"""Chat: talk to the chosen backend. Answers stream, can be stopped, and every conversation is kept."""

from dataclasses import replace

import streamlit as st

from app.ui import state
from app.ui.backend_session import (
    backend_sidebar,
    current_backend,
    current_backend_name,
    current_model,
    current_settings,
    usage_limits,
)
from app.ui.chat_view import render_message, show_queue_place
from app.ui.conversation_sidebar import active_conversation, conversation_store
from app.ui.data_folder import data_folder_notice
from app.ui.documents_context import with_documents
from app.ui.errors import log_unexpected
from app.ui.owner import conversation_owner
from app.ui.setup_panel import setup_panel
from app.ui.state_database import keep_unsaved, save_unsaved_answers
from backends import BackendError, ChatParams
from backends.data_folder import DataFolderUnwritable
from conversations import ChatTurn
from conversations.database import StoreUnreachable
from rag.errors import RagError

# Stop reruns the page at once (runner.fastReruns) while the stopped run is still saving its answer
# in its own thread; wait for it, so the page shows all the text the user saw, not an older save.
STOPPED_ANSWER_WAIT_S = 5.0

backend_sidebar()
store = conversation_store()
if (previous_turn := st.session_state.pop(state.CHAT_TURN, None)) is not None:
    previous_turn.settled.wait(STOPPED_ANSWER_WAIT_S)
    keep_unsaved(previous_turn.unsaved)  # the store refused its last save: saved below once it can
unsaved = save_unsaved_answers(store)
st.session_state.pop(state.UNSENT_PROMPT, None)
owner = conversation_owner()
read_only = data_folder_notice()  # a read-only or full data folder: say so, save nothing
cid = active_conversation(store, owner, read_only)

try:  # the cap is shown here and enforced by the backend wrapper (conversations/limits.py)
    answer_cap = usage_limits().max_tokens_per_answer or 8192
except BackendError:
    answer_cap = 8192  # a malformed limit: the sidebar says so and every model call is refused

with st.sidebar.expander("Generation settings"):
    temperature = st.slider("Temperature", 0.0, 2.0, 0.7, 0.05, key=state.TEMPERATURE)
    top_p = st.slider("Top p", 0.05, 1.0, 0.95, 0.05, key=state.TOP_P)
    max_tokens = st.number_input(
        "Max tokens", min(16, answer_cap), answer_cap, min(512, answer_cap), 16, key=state.MAX_TOKENS
    )
    system_prompt = st.text_area(
        "System prompt", "You are Floe, a helpful assistant.", key=state.SYSTEM_PROMPT
    )
st.sidebar.toggle(
    "Answer from my documents",
    key=state.USE_DOCUMENTS,
    help="Search the files uploaded on the Documents page and cite them as [1], [2]...",
)

st.title("Chat")
if cid is None:  # nothing stored yet and nothing can be: the data folder notice explains
    st.stop()
messages = store.messages(owner, cid)
question = ""
for i, message in enumerate(messages):
    question = message.content if message.role == "user" else question
    if waiting := unsaved.get(message.id):  # newer than what the store holds
        message = replace(message, content=waiting.content, status=waiting.status, meta=waiting.meta)
    render_message(
        store, owner, message, is_last=i == len(messages) - 1, read_only=read_only, question=question
    )
    if waiting:
        st.caption(":material/cloud_off: Not saved yet: Floe saves it as soon as it can write again.")

if current_backend_name() is None:  # e.g. a hosted deploy with no keys yet: explain, don't fail
    setup_panel()
    st.stop()

answering = not read_only and bool(
    st.session_state.get(state.PENDING_PROMPT) or st.session_state.get(state.RETRY)
)
prompt = st.chat_input("Message Floe", disabled=answering or read_only)
if prompt and not answering and not read_only:
    try:
        if not messages:
            store.rename(owner, cid, prompt[:48])
        store.append(owner, cid, "user", prompt)
    except StoreUnreachable:
        st.session_state[state.UNSENT_PROMPT] = prompt  # shown back to the user with the reason
        raise
    st.session_state[state.PENDING_PROMPT] = True
    st.rerun()

if answering:
    st.session_state[state.PENDING_PROMPT] = st.session_state[state.RETRY] = False
    settings = current_settings()
    backend_name = current_backend_name(settings)
    params = ChatParams(current_model(), temperature, top_p, int(max_tokens))
    with st.chat_message("assistant"):
        st.button(
            "Stop", icon=":material/stop:", key="stop", help="Stop the answer; what was written is kept."
        )
        try:
            backend, citations = current_backend(settings), []
            if st.session_state.get(state.USE_DOCUMENTS):
                question = next((m.content for m in reversed(messages) if m.role == "user"), "")
                system_prompt, citations = with_documents(
                    system_prompt, question, backend, owner, params.max_tokens
                )
            meta = {"citations": citations} if citations else None
            place = st.empty()
            turn = ChatTurn(
                store, owner, cid, backend, backend_name, params, system_prompt, meta,
                on_queue=lambda ahead: show_queue_place(place, ahead),
            )  # fmt: skip
            if notice := turn.prepare().notice:
                st.caption(f":material/info: {notice}")
            deltas = turn.stream()
            st.session_state[state.CHAT_TURN] = turn
            try:
                st.write_stream(deltas)
            finally:
                deltas.close()  # on Stop, Streamlit interrupts here; the partial answer is saved as stopped
        except DataFolderUnwritable:
            pass  # the folder became read-only or full: after the rerun the data folder notice says so
        except (BackendError, RagError) as err:  # nothing could start: record why in the conversation
            hint = getattr(err, "hint", "")
            store.append(owner, cid, "assistant", "", "error", {"error": err.user_message, "hint": hint})
        except Exception:  # unforeseen: the question stays with Retry; the traceback goes to the log
            message = log_unexpected("answering on the Chat page")
            store.append(owner, cid, "assistant", "", "error", {"error": message, "hint": ""})
    st.rerun()
