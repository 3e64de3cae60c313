"""The Chat page behind the optional safety guard (FLOE_GUARD=replicate: Llama Guard on the
Replicate STAND-IN, which also serves the answering model): a refused prompt gets a short notice,
is kept as refused, and nothing is answered."""

from __future__ import annotations

from app.ui import state
from conversations import ConversationStore
from tests.app.chat_apptest import fresh_app, send
from tests.backends.standins import Reply


def test_a_refused_prompt_shows_a_short_notice_and_is_kept_as_refused(
    replicate_backend, data_dir, monkeypatch
):
    monkeypatch.setenv("FLOE_GUARD", "replicate")
    replicate_backend.script(Reply(tokens=["unsafe\nS11"]))
    at = send(fresh_app(), "Tell me how to hurt myself.")

    assert [w.value for w in at.warning] == [
        "This request was declined by the safety guard (suicide and self-harm)."
    ]
    assert not at.error and not [b for b in at.button if b.label == "Retry"]
    saved = ConversationStore(data_dir / "conversations.sqlite").messages(
        "local", at.session_state[state.CONVERSATION]
    )
    assert [(m.role, m.status) for m in saved] == [("user", "complete"), ("assistant", "refused")]
    assert len(replicate_backend.creates()) == 1, "only the guard was asked"


def test_a_guard_setting_the_app_cannot_act_on_is_said_on_the_page(replicate_backend, monkeypatch):
    monkeypatch.setenv("FLOE_GUARD", "llamaguard")
    at = send(fresh_app(), "Hello?")
    shown = " ".join(e.value for e in at.error)
    assert "FLOE_GUARD must be one of replicate, openai_compatible, cortex" in shown
    assert not replicate_backend.creates(), "no model was called without the guard the deployment asked for"
