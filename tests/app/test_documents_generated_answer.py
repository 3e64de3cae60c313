"""The Documents page with a generative backend: the answer streams through the page's own `on_delta`
into the page and is kept with its citations. The backend is the real Replicate provider against the
protocol STAND-IN for Replicate's API (the embedded default answers extractively, without streaming)."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.app.chat_apptest import ENTRY
from tests.backends.standins import Reply

pytestmark = pytest.mark.timeout(300)
ROSES = b"# Roses\n\nPrune roses in late winter, just before new growth starts.\n"


def ask_about_roses(question: str) -> AppTest:
    """The Documents page with roses.md indexed and `question` asked."""
    st.cache_resource.clear()
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.switch_page("views/documents.py").run()
    at.file_uploader[0].set_value([("roses.md", ROSES, "text/markdown")])
    next(b for b in at.button if b.label == "Add to the index").click().run()
    at.text_input[0].set_value(question)
    next(b for b in at.button if b.label == "Ask").click().run()
    assert not at.exception and not at.error, at.exception or [e.value for e in at.error]
    return at


def test_a_generated_answer_streams_into_the_page_with_its_citation(replicate_backend):
    replicate_backend.script(Reply(tokens=("Prune roses", " in late winter", " [1].")))
    at = ask_about_roses("When should I prune roses?")
    assert any("Prune roses in late winter [1]." in m.value for m in at.markdown)
    assert "roses.md" in " ".join(str(el.value) for kind in ("markdown", "caption") for el in at.get(kind))
    assert len(replicate_backend.creates()) == 1


def test_a_sentence_no_passage_backs_is_greyed_and_not_cited(replicate_backend):
    # The model adds a claim of its own after the one the passage backs.
    replicate_backend.script(
        Reply(tokens=("Prune roses in late winter [1].", " Feed them 40 grams", " of bone meal in May [1]."))
    )
    at = ask_about_roses("How do I look after roses?")
    shown = next(m.value for m in at.markdown if "Prune roses in late winter [1]." in m.value)
    assert ":gray[Feed them 40 grams of bone meal in May. *(not found in your documents)*]" in shown
    assert "May [1]" not in shown
    assert any("1 sentence(s) greyed" in c.value for c in at.caption)
