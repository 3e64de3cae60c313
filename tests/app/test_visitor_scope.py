"""Who owns a session's conversations: only the deployment's own settings can make a visitor "local"."""

from __future__ import annotations

import pytest

from app.ui import state
from conversations import ConversationStore
from tests.app.chat_apptest import conversation_picker, fresh_app


@pytest.fixture
def local_diary(data_dir) -> ConversationStore:
    store = ConversationStore(data_dir / "conversations.sqlite")
    store.create("local", "Local diary")
    return store


def sidebar_captions(at) -> str:
    return " | ".join(c.value for c in at.sidebar.caption)


def test_declared_local_run_shares_one_history(local_diary):
    at = fresh_app()
    assert conversation_picker(at).options == ["Local diary"]
    assert "session only" not in sidebar_captions(at)


def test_by_default_each_session_keeps_its_own_conversations(local_diary, monkeypatch):
    monkeypatch.delenv("FLOE_CONVERSATION_SCOPE")
    first, second = fresh_app(), fresh_app()
    for at in (first, second):
        assert "Kept for this browser session only." in sidebar_captions(at)
        assert conversation_picker(at).options == ["New chat"]
    assert first.session_state[state.CONVERSATION] != second.session_state[state.CONVERSATION]


def test_a_session_cannot_declare_itself_local(local_diary, monkeypatch):
    monkeypatch.delenv("FLOE_CONVERSATION_SCOPE")
    at = fresh_app()
    at.session_state[state.OVERRIDES] = {"FLOE_CONVERSATION_SCOPE": "local"}  # as the Settings page stores
    at.run()
    assert conversation_picker(at).options == ["New chat"]
    assert "Kept for this browser session only." in sidebar_captions(at)
