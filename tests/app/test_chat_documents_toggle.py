"""The Chat page's "answer from my documents" uses the Documents retrieval and shows the sources."""

from __future__ import annotations

import pytest

from app.ui import state
from backends.local_embeddings import get_embedder
from conversations import ConversationStore
from rag.ingest import ingest_file
from rag.paths import store_path
from rag.store import Store
from tests.app.chat_apptest import fresh_app, send, transcript

pytestmark = pytest.mark.slow

GUIDE = b"""# Harbour lighthouse

## Keeper's routine
The keeper lights the lamp at dusk and climbs the 114 steps twice a night.

## The cats
The two lighthouse cats, Pilot and Fog, are fed sardines at six in the evening.
"""


def expander_labels(at) -> list[str]:
    return [e.label for e in at.expander]


def test_answers_cite_the_uploaded_documents(data_dir):
    with Store(store_path(data_dir, "local")) as store:
        assert ingest_file(store, get_embedder(), "lighthouse.md", GUIDE).status == "added"
    at = fresh_app()
    at.number_input(key=state.MAX_TOKENS).set_value(24).run()
    at.toggle(key=state.USE_DOCUMENTS).set_value(True).run()
    send(at, "What do the lighthouse cats eat, and when?")
    assert transcript(at)[-1][1].strip()
    assert any(label.startswith("[1] lighthouse.md") for label in expander_labels(at))
    saved = ConversationStore(data_dir / "conversations.sqlite").messages(
        "local", at.session_state[state.CONVERSATION]
    )
    cited = " ".join(c["text"] for c in saved[-1].meta["citations"])
    assert "sardines" in cited


def test_without_documents_the_toggle_still_answers_without_sources(data_dir):
    at = fresh_app()
    at.number_input(key=state.MAX_TOKENS).set_value(16).run()
    at.toggle(key=state.USE_DOCUMENTS).set_value(True).run()
    send(at, "Hello?")
    assert transcript(at)[-1][1].strip()
    assert not any(label.startswith("[1]") for label in expander_labels(at))


def test_a_sentence_no_passage_backs_is_greyed_in_the_chat_reply(data_dir, replicate_backend):
    """The real Replicate provider against the protocol STAND-IN for Replicate's API (tests/conftest)."""
    from tests.backends.standins import Reply

    with Store(store_path(data_dir, "local")) as store:
        assert ingest_file(store, get_embedder(), "lighthouse.md", GUIDE).status == "added"
    replicate_backend.script(
        Reply(
            tokens=(
                "The cats are fed sardines at six in the evening [1].",
                " They sleep in the lamp room [1].",
            )
        )
    )
    at = fresh_app()
    at.toggle(key=state.USE_DOCUMENTS).set_value(True).run()
    send(at, "What do the lighthouse cats eat, and when?")
    shown = " ".join(m.value for m in at.chat_message[-1].markdown)
    assert "sardines at six in the evening [1]." in shown
    assert ":gray[They sleep in the lamp room. *(not found in your documents)*]" in shown
    assert any("1 sentence(s) greyed" in c.value for c in at.chat_message[-1].caption)
