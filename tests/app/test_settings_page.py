"""Settings: a backend configured in the UI becomes usable; secrets typed there are never shown again."""

from __future__ import annotations

import pytest

from app.ui import state
from tests.app.chat_apptest import fresh_app

pytestmark = pytest.mark.slow


def field(at, label_start: str):
    return next(t for t in at.text_input if t.label.startswith(label_start))


def page_text(at) -> str:
    parts = []
    for kind in ("markdown", "caption", "text_input", "dataframe", "error", "selectbox"):
        for el in getattr(at, kind):
            parts.append(str(getattr(el, "value", "")))
            parts.append(str(getattr(el, "placeholder", "")))
    return " ".join(parts)


def test_a_server_set_in_settings_appears_in_the_backend_picker_and_hides_its_key(llama_server, data_dir):
    at = fresh_app()
    at.switch_page("views/settings.py").run()
    assert not at.exception
    field(at, "Base URL").set_value(llama_server)
    field(at, "API key").set_value("sk-ui-secret-987654321")
    at.button[0].click().run()  # "Save for this session" of the OpenAI-compatible form
    assert not at.exception
    assert "sk-ui-secret-987654321" not in page_text(at)
    assert field(at, "API key").value == "" and field(at, "API key").placeholder == "set (hidden)"
    table = at.dataframe[0].value.set_index("backend")
    assert table.loc["OpenAI-compatible server", "status"] == "healthy"

    at.switch_page("views/chat.py").run()
    assert "OpenAI-compatible server" in at.selectbox(key=state.BACKEND).options
    assert "sk-ui-secret-987654321" not in page_text(at)


def test_a_shared_deployment_never_lets_a_visitor_choose_the_servers_address(
    llama_server, data_dir, monkeypatch
):
    monkeypatch.delenv("FLOE_CONVERSATION_SCOPE")  # not declared local: every visitor is a stranger
    at = fresh_app()
    at.switch_page("views/settings.py").run()
    assert not at.exception
    assert not [t for t in at.text_input if t.label.startswith("Base URL")]
    assert any("address comes from its secrets" in c.value for c in at.caption)
    # Even a value placed in the session by other means is not used.
    at.session_state[state.OVERRIDES] = {"FLOE_OPENAI_BASE_URL": llama_server}
    at.run()
    table = at.dataframe[0].value.set_index("backend")
    assert table.loc["OpenAI-compatible server", "status"] == "not configured"
