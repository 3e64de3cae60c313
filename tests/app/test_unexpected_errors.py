"""An error nobody foresaw inside a page's work (a bug, simulated here by making one of Floe's own
functions raise) never shows a traceback: the person gets one short sentence, keeps their question
with Retry, and the traceback goes to the server log. Ask your data's case is in
tests/sql_agent/test_ask_data_page.py, beside the sample database it needs."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from backends.errors import UNEXPECTED_ERROR
from tests.app.chat_apptest import ENTRY, fresh_app, send, transcript

pytestmark = pytest.mark.timeout(300)
LEAK = "/srv/internal/path/secret-module.py"  # what a traceback would have shown a visitor


def boom(*args, **kwargs):
    raise RuntimeError(f"bug in {LEAK}")


def assert_told_plainly(at: AppTest, capfd) -> None:
    assert not at.exception, at.exception
    assert any(UNEXPECTED_ERROR in e.value for e in at.error), [e.value for e in at.error]
    assert "Retry" in [b.label for b in at.button]
    shown = " ".join(
        str(el.value) for kind in ("error", "markdown", "caption", "text") for el in at.get(kind)
    )
    assert LEAK not in shown and "RuntimeError" not in shown
    logged = capfd.readouterr().err
    assert "Traceback" in logged and LEAK in logged, "the details are in the server log"


def test_chat(data_dir, monkeypatch, capfd):
    from conversations.turn import ChatTurn

    at = fresh_app()
    monkeypatch.setattr(ChatTurn, "prepare", boom)
    send(at, "What is DuckDB?")
    assert transcript(at)[0] == ("user", "What is DuckDB?"), "the question is kept"
    assert_told_plainly(at, capfd)


def test_chat_mid_answer_keeps_what_was_written(data_dir, monkeypatch, capfd):
    """A failure while the answer streams: the text so far stays, with the short message."""
    from backends.local import LocalBackend

    real_chat = LocalBackend.chat

    def breaks_after_the_first_words(self, messages, params):
        stream = real_chat(self, messages, params)

        def deltas():
            words = iter(stream)
            yield next(words)
            yield next(words)
            boom()

        class Broken:
            usage, on_queue = stream.usage, None

            def __iter__(self):
                return deltas()

            def cancel(self):
                stream.cancel()

            def on_finish(self, callback):
                stream.on_finish(callback)

        return Broken()

    at = fresh_app()
    monkeypatch.setattr(LocalBackend, "chat", breaks_after_the_first_words)
    send(at, "Say hello")
    role, text = transcript(at)[1]
    assert role == "assistant" and text.strip(), "the words written before the failure are kept"
    assert_told_plainly(at, capfd)


def test_documents(data_dir, monkeypatch, capfd):
    import rag.answer

    st.cache_resource.clear()
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.switch_page("views/documents.py").run()
    at.file_uploader[0].set_value(
        [("garden.md", b"# Roses\n\nPrune roses in late winter.\n", "text/markdown")]
    )
    next(b for b in at.button if b.label == "Add to the index").click().run()
    monkeypatch.setattr(rag.answer, "answer_question", boom)
    at.text_input[0].set_value("When do I prune roses?")
    next(b for b in at.button if b.label == "Ask").click().run()
    assert at.text_input[0].value == "When do I prune roses?", "the question is kept"
    assert_told_plainly(at, capfd)

    monkeypatch.undo()
    next(b for b in at.button if b.label == "Retry").click().run()
    assert not at.exception and not at.error
    assert any("When do I prune roses?" in m.value for m in at.markdown), "Retry answered it"
