"""Every page with a read-only or full data folder: a clear notice instead of a traceback, what is
stored still shown and searchable, nothing lost, and saving works again once the folder recovers.

The data folder is a real small file system (the small_disk fixture): remounted read-only, or
filled until the kernel answers ENOSPC, so the app meets the same errors as on a real disk.
"""

from __future__ import annotations

import pytest

from app.ui import state
from backends import PROVIDERS
from backends.local_embeddings import get_embedder
from conversations import ConversationStore
from rag.ingest import ingest_files
from rag.paths import store_path
from rag.store import Store
from sql_agent.analyses.store import AnalysisStore
from sql_agent.generation.agent_answer import failed_answer
from tests.app.chat_apptest import fresh_app, send, transcript

pytestmark = pytest.mark.slow

STORED_CHAT = [("user", "What is DuckDB?"), ("assistant", "An embedded analytical database.")]
GARDEN = b"# Tomatoes\n\nWater tomato plants deeply twice a week in summer.\n"
REASONS = {"read_only": "it is on a read-only file system", "full": "the disk is full"}


@pytest.fixture
def stored(small_disk):
    """A conversation and an indexed document, as an earlier session left them."""
    conversations = ConversationStore(small_disk.path / "conversations.sqlite")
    cid = conversations.create("local", "Kept chat")
    for role, text in STORED_CHAT:
        conversations.append("local", cid, role, text)
    analyses = AnalysisStore(conversations)
    aid = analyses.create("local", "Kept analysis")
    analyses.add_turn("local", aid, failed_answer("What sold best?", "The model was away."), "Sample")
    conversations.close()
    with Store(store_path(small_disk.path, "local")) as store:
        ingest_files(store, get_embedder(), [("garden.md", GARDEN)])
    return small_disk


def aid_of(at) -> str:
    return at.session_state[state.ANALYSIS]


def notice(at) -> str:
    return " ".join(w.value for w in at.warning)


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def open_page(at, page: str):
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("fault", ["read_only", "full"])
def test_every_page_explains_shows_what_is_stored_and_recovers(stored, fault):
    small_disk = stored
    small_disk.read_only() if fault == "read_only" else small_disk.fill()
    expected = f"Floe cannot write to its data folder {small_disk.path}: {REASONS[fault]}."

    at = fresh_app()  # the Chat page
    assert expected in notice(at)
    assert transcript(at) == STORED_CHAT
    assert at.chat_input[0].disabled and button(at, "New chat").disabled

    open_page(at, "views/documents.py")
    assert expected in notice(at)
    assert at.subheader[0].value == "Your documents (1)"
    assert at.file_uploader[0].disabled
    at.text_input[0].set_value("How often should tomatoes be watered?")
    button(at, "Ask").click().run()
    assert not at.exception, at.exception
    assert any("garden.md" in m.value for m in at.markdown), "searching what is stored still works"

    open_page(at, "views/ask_data.py")
    assert expected in notice(at)
    assert any("sample database cannot be built" in e.value for e in at.error)
    assert any("What sold best?" in m.value for m in at.markdown), "the stored analysis is shown"
    assert at.sidebar.text_input(key=f"analysis-title-{aid_of(at)}").disabled
    assert button(at, "Delete analysis").disabled

    open_page(at, "views/settings.py")
    assert expected in notice(at)
    backends = at.dataframe[0].value.set_index("backend")
    assert backends.loc[PROVIDERS["local"].label, "status"] == "healthy", "the embedded model still loads"

    small_disk.writable() if fault == "read_only" else small_disk.free()
    open_page(at, "views/chat.py")
    assert notice(at) == "" and not at.chat_input[0].disabled
    at.number_input(key=state.MAX_TOKENS).set_value(16).run()
    send(at, "Still there?")
    assert transcript(at)[:3] == [*STORED_CHAT, ("user", "Still there?")]
    assert transcript(fresh_app())[:3] == [*STORED_CHAT, ("user", "Still there?")], "saved this time"

    open_page(at, "views/documents.py")
    at.file_uploader[0].set_value(
        [("roses.md", b"# Roses\n\nPrune roses in late winter.\n", "text/markdown")]
    )
    button(at, "Add to the index").click().run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == "Your documents (2)"


def test_a_disk_that_fills_while_the_chat_is_open_loses_nothing(stored):
    at = fresh_app()
    assert notice(at) == ""
    stored.fill()
    at.chat_input[0].set_value("Will this be saved?").run()  # typed before the page knew
    assert not at.exception, at.exception
    assert "the disk is full" in notice(at)
    assert transcript(at) == STORED_CHAT
    assert at.chat_input[0].disabled
