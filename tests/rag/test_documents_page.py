"""The Documents page, driven through the real app script with AppTest on the offline embedder."""

from __future__ import annotations

import pytest
import streamlit as st
from pdf_helpers import make_pdf
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

GARDEN = b"# Tomatoes\n\nWater tomato plants deeply twice a week in summer.\n\n# Roses\n\nPrune roses in late winter, just before new growth starts.\n"
MANUAL = make_pdf(
    [
        "Welcome to the kettle manual.",
        "To descale the kettle, boil a mixture of water and white vinegar, then rinse twice.",
    ]
)


def documents_page() -> AppTest:
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app" / "streamlit_app.py"), default_timeout=120)
    at.switch_page("views/documents.py").run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader[0].set_value([(name, data, "application/octet-stream") for name, data in files])
    next(b for b in at.button if b.label == "Add to the index").click().run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.text_input[0].set_value(question)
    next(b for b in at.button if b.label == "Ask").click().run()
    assert not at.exception, at.exception
    return at


def expander_labels(at: AppTest) -> list[str]:
    return [e.label for e in at.expander]


@pytest.fixture
def page(data_dir):
    at = documents_page()
    return upload(at, ("garden.md", GARDEN), ("kettle.pdf", MANUAL), ("scan.pdf", make_pdf([None])))


def test_upload_reports_each_file_and_lists_the_documents(page):
    successes = " ".join(s.value for s in page.success)
    assert "garden.md" in successes and "kettle.pdf" in successes and "added" in successes
    assert len(page.error) == 1 and "scan.pdf" in page.error[0].value and "OCR" in page.error[0].value
    assert page.subheader[0].value == "Your documents (2)"
    facts = [c.value for c in page.caption]
    assert any("2 chunks · 2 pages" in f for f in facts), facts  # the PDF: one chunk per page
    assert page.file_uploader[0].value in (None, [])  # the uploader starts empty again


def test_question_gets_a_cited_extractive_answer_with_an_inspector(page):
    ask(page, "How do I get limescale out of the kettle?")
    assert "Extractive answer" in page.info[0].value
    labels = expander_labels(page)
    assert "[1] kettle.pdf — page 2" in labels
    assert "Retrieval inspector" in labels
    body = " ".join(m.value for m in page.markdown)
    assert ":orange-background[To descale the kettle" in body  # the supporting passage is highlighted
    table = page.dataframe[0].value
    assert list(table["file"])[0] == "kettle.pdf" and table["cosine"].iloc[0] > 0.3


def test_unrelated_question_says_the_documents_do_not_cover_it(page):
    ask(page, "Who painted the Mona Lisa?")
    assert "could not find anything" in page.warning[0].value
    assert not any(label.startswith("[1]") for label in expander_labels(page))


def test_documents_survive_a_new_session_and_can_be_deleted(page):
    again = documents_page()
    assert again.subheader[0].value == "Your documents (2)"
    next(b for b in again.button if b.help == "Delete garden.md").click().run()
    assert again.subheader[0].value == "Your documents (1)"
    ask(again, "When should roses be pruned?")
    assert not any("garden.md" in label for label in expander_labels(again))


def test_a_file_over_the_upload_limit_is_refused_with_the_limit(data_dir, upload_limit_1mb):
    at = upload(documents_page(), ("big.md", b"# Big\n\n" + b"word " * 250_000))  # 1.2 MB
    assert len(at.error) == 1
    assert "big.md" in at.error[0].value and "the limit is 1 MB" in at.error[0].value
    assert at.subheader[0].value == "Your documents (0)"
