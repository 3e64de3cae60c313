"""The Chat page, driven through the real script with AppTest on the embedded model."""

from __future__ import annotations

import pytest

from app.ui import state
from backends import ChatParams, create_backend, load_settings
from conversations import ChatTurn, ConversationStore
from tests.app.chat_apptest import captions, conversation_picker, fresh_app, pick_backend, send, transcript
from tests.conftest import TINY_MODEL, free_port

pytestmark = pytest.mark.slow


@pytest.fixture()
def app(data_dir):
    at = fresh_app()
    at.number_input(key=state.MAX_TOKENS).set_value(32).run()
    at.slider(key=state.TEMPERATURE).set_value(0.0).run()
    return at


def test_round_trip_on_the_embedded_model(app):
    send(app, "What is the capital of France?")
    roles = [r for r, _ in transcript(app)]
    assert roles == ["user", "assistant"]
    assert transcript(app)[1][1].strip(), "the answer is shown"
    assert "local" in captions(app) and "tok" in captions(app)
    assert not app.chat_input[0].disabled, "the input is enabled again after the answer"


def test_conversations_survive_a_restart(data_dir, app):
    send(app, "Remember the word pineapple.")
    before = transcript(app)
    again = fresh_app()
    assert transcript(again) == before
    conv_titles = conversation_picker(again).options
    assert any("pineapple" in t for t in conv_titles)


def test_clear_and_new_chat(app):
    send(app, "First question")
    clear = next(b for b in app.button if b.label == "Clear messages")
    clear.click().run()
    assert transcript(app) == []
    send(app, "Second question")
    new = next(b for b in app.button if b.label == "New chat")
    new.click().run()
    assert transcript(app) == []
    assert len(conversation_picker(app).options) == 2


def test_two_chats_with_the_same_title_can_each_be_picked(data_dir):
    at = fresh_app()
    first = conversation_picker(at).value
    next(b for b in at.button if b.label == "New chat").click().run()
    second = conversation_picker(at).value
    assert first != second
    conversation_picker(at).set_value(first).run()  # the picker sends its choice back by label
    assert conversation_picker(at).value == first
    assert at.text_input(key=f"rename-{first}").value == "New chat"
    conversation_picker(at).set_value(second).run()
    assert at.text_input(key=f"rename-{second}").value == "New chat"
    assert conversation_picker(at).options == ["New chat (2)", "New chat"]


def test_switching_backends(llama_server, data_dir, monkeypatch):
    monkeypatch.setenv("FLOE_OPENAI_BASE_URL", llama_server)
    at = fresh_app()
    assert at.selectbox(key=state.BACKEND).value == "openai_compatible", "a configured server is the default"
    at.number_input(key=state.MAX_TOKENS).set_value(16).run()
    send(at, "Hello server")
    assert "openai_compatible" in captions(at)
    pick_backend(at, "local")
    send(at, "Hello embedded")
    assert "local · smollm2-135m" in captions(at)
    assert len(transcript(at)) == 4


def test_a_failing_backend_keeps_the_history_and_offers_retry(data_dir, monkeypatch):
    monkeypatch.setenv("FLOE_OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("FLOE_OPENAI_MODEL", "m")
    monkeypatch.setenv("FLOE_MAX_ATTEMPTS", "1")
    at = fresh_app()
    at.number_input(key=state.MAX_TOKENS).set_value(16).run()
    pick_backend(at, "local")
    send(at, "First, on the embedded model")
    first_answer = transcript(at)[1]
    pick_backend(at, "openai_compatible")
    send(at, "Second, on a server that is down")
    assert transcript(at)[:2] == [transcript(at)[0], first_answer]
    assert any("OpenAI-compatible server" in e.value for e in at.error)
    pick_backend(at, "local")
    retry = next(b for b in at.button if b.label == "Retry")
    retry.click().run()
    roles = [r for r, _ in transcript(at)]
    assert roles == ["user", "assistant", "user", "assistant", "assistant"]
    assert transcript(at)[-1][1].strip(), "the retry answered"


def test_a_stopped_answer_is_shown_as_stopped_with_its_partial_text(data_dir):
    at = fresh_app()
    store = ConversationStore(data_dir / "conversations.sqlite")
    cid = at.session_state[state.CONVERSATION]
    store.append("local", cid, "user", "Count to 100")
    turn = ChatTurn(
        store,
        "local",
        cid,
        create_backend("local", load_settings(TINY_MODEL)),
        "local",
        ChatParams(temperature=0, max_tokens=200),
    )
    deltas = turn.stream()
    partial = "".join(next(deltas) for _ in range(4))
    deltas.close()  # a Stop click interrupts the page's generator exactly like this
    at = fresh_app()
    assert transcript(at)[-1][1].strip() == partial.strip()
    assert "Stopped" in captions(at)


def test_feedback_is_stored_with_the_answer(data_dir, app):
    send(app, "Tell me a fact.")
    feedback = app.chat_message[1].children[len(app.chat_message[1].children) - 1]
    feedback.set_value(1).run()
    comment = next(t for t in app.text_input if t.label == "Comment (optional)")
    comment.set_value("short and right").run()
    store = ConversationStore(data_dir / "conversations.sqlite")
    answer = store.messages("local", app.session_state[state.CONVERSATION])[-1]
    assert (answer.feedback, answer.feedback_comment) == (1, "short and right")
    again = fresh_app()
    assert next(t for t in again.text_input if t.label == "Comment (optional)").value == "short and right"


def test_a_long_conversation_is_fitted_to_the_window_and_the_user_is_told(data_dir, monkeypatch):
    monkeypatch.setenv("FLOE_LOCAL_CONTEXT", "512")
    at = fresh_app()
    at.number_input(key=state.MAX_TOKENS).set_value(32).run()
    store = ConversationStore(data_dir / "conversations.sqlite")
    cid = at.session_state[state.CONVERSATION]
    for i in range(12):
        store.append("local", cid, "user", f"Fact {i}: " + "the river runs to the sea " * 8)
        store.append("local", cid, "assistant", "Noted. " * 10)
    send(at, "What was fact 11?")
    assert "older message(s) were left out" in captions(at)
    assert transcript(at)[-1][1].strip(), "it still answers"
    assert len(transcript(at)) == 26, "the whole history is still shown"


def test_the_sidebar_offers_the_installed_models_and_describes_the_one_in_use(
    data_dir, qwen_settings, qwen_backend, monkeypatch
):
    monkeypatch.delenv("FLOE_LOCAL_MODEL")  # nothing configured: the default model
    monkeypatch.setenv("FLOE_DATA_DIR", qwen_settings.local.data_dir)  # its file is assembled there
    at = fresh_app()
    picker = at.sidebar.selectbox(key=state.MODEL)
    assert picker.value == "qwen2.5-coder-1.5b" and "smollm2-135m" in picker.options
    sidebar_captions = " | ".join(c.value for c in at.sidebar.caption)
    assert "Qwen2.5 Coder 1.5B Instruct GGUF · 1.12 GB · SQL" in sidebar_captions
    picker.set_value("smollm2-135m").run()
    assert not at.exception, at.exception
    assert "0.10 GB" in " | ".join(c.value for c in at.sidebar.caption)
    send(at, "Say hello.")
    assert "local · smollm2-135m" in captions(at)
