"""The app on a team's PostgreSQL (FLOE_DATABASE_URL): what a session saves is in the server
database, a later session on a fresh process cache sees it, and a database that cannot be used
stops the app with a setup message instead of a traceback."""

from __future__ import annotations

import threading

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app.ui import state
from conversations import ConversationStore
from tests.app.chat_apptest import ENTRY, conversation_picker, fresh_app, send, transcript
from tests.backends.standins import Reply
from tests.conftest import free_port
from tests.postgres_server import ThrowawayPostgres


def test_a_chat_is_kept_in_the_team_database_and_another_session_sees_it(data_dir, postgres_url, monkeypatch):
    monkeypatch.setenv("FLOE_DATABASE_URL", postgres_url)
    at = send(fresh_app(), "Say hello.")
    answer = transcript(at)[-1][1]
    cid = at.session_state[state.CONVERSATION]

    in_postgres = ConversationStore(postgres_url).messages("local", cid)
    assert [(m.role, m.status) for m in in_postgres] == [("user", "complete"), ("assistant", "complete")]
    assert not (data_dir / "conversations.sqlite").exists(), "nothing was kept in the data folder"

    again = fresh_app()  # a new process cache: another app server on the same database
    assert conversation_picker(again).options == ["Say hello."]
    assert transcript(again)[-1][1] == answer


def test_a_database_that_does_not_answer_stops_the_app_with_a_message_naming_the_setting(
    data_dir, monkeypatch
):
    monkeypatch.setenv("FLOE_DATABASE_URL", f"postgresql://floe:s3cret-pw@127.0.0.1:{free_port()}/floe")
    at = fresh_app()
    shown = " ".join(e.value for e in at.error) + " ".join(c.value for c in at.caption)
    assert "Floe's database is not available." in shown and "FLOE_DATABASE_URL" in shown
    assert "Connection refused" in shown and "s3cret-pw" not in shown
    assert not at.chat_input, "no page runs on a store it cannot use"


def test_a_url_that_does_not_read_stops_the_app_with_how_to_write_it(data_dir, monkeypatch):
    monkeypatch.setenv("FLOE_DATABASE_URL", "postgres ql://floe:s3cret-pw@db/floe")
    at = fresh_app()
    shown = " ".join(e.value for e in at.error)
    assert "FLOE_DATABASE_URL is not a database URL Floe can read" in shown
    assert "postgresql://user:password@host:5432/database" in shown and "s3cret-pw" not in shown


@pytest.fixture()
def own_postgres():
    """A PostgreSQL server of this test's own, so stopping it touches no other test."""
    server = ThrowawayPostgres(free_port()).start()
    yield server
    server.remove()


def test_the_database_stopping_mid_answer_keeps_the_answer_and_saves_it_when_it_is_back(
    replicate_backend, own_postgres, monkeypatch
):
    url = own_postgres.create_database()
    monkeypatch.setenv("FLOE_DATABASE_URL", url)
    words = [f"word{i} " for i in range(40)]
    replicate_backend.script(Reply(tokens=words, delay_s=0.05))  # two seconds of answer
    at = fresh_app()
    stopper = threading.Timer(0.8, own_postgres.stop)  # the database goes away while it streams
    stopper.start()
    send(at, "Tell me forty words.")
    stopper.join()

    shown = " ".join(e.value for e in at.error)
    assert "Floe's database is unreachable." in shown and "FLOE_DATABASE_URL" in shown
    assert at.chat_message[-1].markdown[0].value == "".join(words).strip()
    assert "Not saved yet" in " ".join(c.value for c in at.caption)

    own_postgres.restart()
    at.run()
    assert not at.error and not at.exception
    [question, answer] = ConversationStore(url).messages("local", at.session_state[state.CONVERSATION])
    assert (question.content, answer.content, answer.status) == (
        "Tell me forty words.",
        "".join(words),
        "complete",
    )
    assert "Not saved yet" not in " ".join(c.value for c in at.caption)


def documents_page() -> AppTest:
    st.cache_resource.clear()  # a new process cache: as another app server starts
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.switch_page("views/documents.py").run()
    assert not at.exception, at.exception
    return at


def test_documents_uploaded_through_one_server_are_searched_through_another(
    data_dir, postgres_url, monkeypatch
):
    monkeypatch.setenv("FLOE_DATABASE_URL", postgres_url)
    at = documents_page()
    garden = b"# Tomatoes\n\nWater tomato plants deeply twice a week in summer.\n"
    at.file_uploader[0].set_value([("garden.md", garden, "text/markdown")])
    next(b for b in at.button if b.label == "Add to the index").click().run()
    assert not at.exception and at.subheader[0].value == "Your documents (1)"
    assert not (data_dir / "documents").exists(), "nothing was kept in the data folder"

    other = documents_page()
    assert other.subheader[0].value == "Your documents (1)"
    other.text_input[0].set_value("How often should tomatoes be watered?")
    next(b for b in other.button if b.label == "Ask").click().run()
    assert not other.exception, other.exception
    assert "garden.md" in " ".join(e.label for e in other.expander)
