"""Answers: cited sources, an extractive answer with the tiny model or a failing backend, honest "not found"."""

from __future__ import annotations

import re

import pytest
from corpus import corpus_files

from backends import Capabilities, create_backend, load_settings
from rag.answer import answer_question, build_messages, chat_context
from rag.ingest import ingest_files
from rag.store import Store
from tests.conftest import TINY_MODEL


@pytest.fixture(scope="module")
def store_path(tmp_path_factory, embedder):
    path = tmp_path_factory.mktemp("answers") / "index.duckdb"
    with Store(path) as store:
        ingest_files(store, embedder, corpus_files())
    return path


@pytest.fixture
def store(store_path):
    with Store(store_path, read_only=True) as s:
        yield s


def test_the_tiny_model_gives_a_labelled_extractive_answer(store, embedder):
    answer = answer_question(
        store,
        embedder,
        "How hot should the oven be before the loaf goes in?",
        backend_name="local",
        settings=load_settings(TINY_MODEL),
    )
    assert answer.mode == "extractive"
    assert answer.text.startswith("Extractive answer")
    first = answer.citations[0]
    assert (first.file, first.page, first.n) == ("bread_guide.pdf", 4, 1)
    assert "250 degrees" in first.highlighted_text  # the supporting sentence, not the whole chunk
    assert first.highlighted_text in first.text and len(first.highlighted_text) < len(first.text)
    assert "[1]" in answer.text and "250 degrees" in answer.text


def test_unrelated_question_is_answered_with_not_found(store, embedder):
    answer = answer_question(store, embedder, "How many moons does Jupiter have?", backend_name="local")
    assert answer.mode == "not_found"
    assert "could not find" in answer.text and answer.citations == []


def test_unreachable_backend_falls_back_to_extractive(store, embedder):
    settings = load_settings({"FLOE_OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "FLOE_MAX_ATTEMPTS": "1"})
    answer = answer_question(
        store,
        embedder,
        "Who was in charge of engineering the waterway?",
        backend_name="openai_compatible",
        settings=settings,
    )
    assert answer.mode == "extractive"
    assert "backend could not answer" in answer.note
    assert {c.file for c in answer.citations} == {"canal_history.txt"}
    assert "Margaret Holloway" in answer.text


def test_prompt_numbers_the_sources_with_file_and_page(store, embedder):
    from rag.retrieval import search

    hits = search(store, embedder, "how long to proof the dough in the fridge", k=2).hits
    messages = build_messages("how long to proof?", hits)
    assert messages[0].role == "system" and "[1]" in messages[0].content
    example, shown = messages[1:3]  # a worked exchange shows the [n] form before the real question
    assert example.role == "user" and shown.role == "assistant" and "[2]" in shown.content
    user = messages[-1].content
    labels = [f"[{n}] (bread_guide.pdf, page {h.page})\n{h.text}" for n, h in enumerate(hits, start=1)]
    assert all(label in user for label in labels) and user.index(labels[0]) < user.index(labels[1])
    assert user.endswith("Question: how long to proof?")


@pytest.mark.slow
def test_generated_answer_with_a_real_backend_numbers_its_citations(store, embedder):
    # The real embedded model, forced to generate (the page would pick extractive for it); short output.
    backend = create_backend("local", load_settings(TINY_MODEL))
    streamed = []
    answer = answer_question(
        store, embedder, "How many paid holiday days per year?", backend=backend, k=2, max_tokens=24,
        on_delta=streamed.append,
    )  # fmt: skip
    # The tiny model's words, whatever they are, are kept sentence by sentence as it streamed them;
    # whether any is backed decides between a generated answer and "not found".
    unmarked = re.sub(r"\s*\[\d+\]", "", "".join(streamed)).split()
    assert unmarked and " ".join(s.text for s in answer.sentences).split() == unmarked
    backed = any(s.supported and s.claim for s in answer.sentences)
    assert answer.mode == ("generated" if backed else "not_found")
    assert [c.n for c in answer.citations] == [1, 2]
    assert answer.citations[0].file == "handbook.md" and "27 days" in answer.citations[0].text


def test_chat_context_fits_the_budget_and_says_when_nothing_is_relevant(store_path, embedder):
    system, citations = chat_context(
        store_path, "Can I take a plane for a two-hour trip?", budget_tokens=150, embedder=embedder
    )
    assert len(citations) == 1 and "under four hours" in citations[0].text
    assert "[1] (handbook.md, section 'Business travel')" in system and "\n[2] (" not in system
    roomy, more = chat_context(
        store_path, "Can I take a plane for a two-hour trip?", budget_tokens=5000, embedder=embedder
    )
    assert len(more) > 1 and "\n[2] (" in roomy
    none, no_citations = chat_context(
        store_path, "Who won the 1998 football world cup?", 5000, embedder=embedder
    )
    assert no_citations == [] and "do not cover" in none


@pytest.mark.slow
def test_the_default_model_writes_the_answer_and_cites_its_passage(store, embedder, qwen_settings):
    answer = answer_question(
        store, embedder, "How many paid holiday days per year do full-time staff get?",
        backend_name="local", settings=qwen_settings, k=3,
    )  # fmt: skip
    assert answer.mode == "generated", answer.note
    assert "27" in answer.text
    cited = [c for c in answer.citations if c.cited]
    assert cited and cited[0].file == "handbook.md" and "27 days" in cited[0].text


class ScriptedBackend:
    """A backend that streams a fixed reply and records the prompt: for what rag does with a reply."""

    name = "scripted"

    def __init__(self, reply: str):
        self.reply = reply
        self.sent: list = []

    def info(self) -> Capabilities:
        return Capabilities(context_window=4096, streaming=True, embeddings=False, exact_token_count=False)

    def count_tokens(self, messages):
        return sum(len(m.content) // 4 for m in messages), False

    def chat(self, messages, params):
        self.sent = list(messages)
        return iter(re.findall(r"\s*\S+", self.reply))  # word by word, as a stream


def test_a_file_named_instead_of_a_number_is_cited_when_it_points_at_one_given_passage(store, embedder):
    question = "Do I need a doctor's note if I am off sick for two days?"
    backend = ScriptedBackend("No, up to three days need no certificate (handbook.md, section 'Sick leave').")
    answer = answer_question(store, embedder, question, backend=backend, k=3)
    sick = next(c for c in answer.citations if c.heading == "Sick leave")
    assert answer.text == f"No, up to three days need no certificate [{sick.n}]."
    assert [c.n for c in answer.citations if c.cited] == [sick.n]
    assert f"[{sick.n}] (handbook.md, section 'Sick leave')" in backend.sent[-1].content


def test_a_file_with_several_given_passages_is_cited_by_the_one_that_backs_the_sentence(store, embedder):
    question = "How many paid holiday days per year, and can I carry them over?"
    backend = ScriptedBackend("Full-time employees receive 27 days (handbook.md).")
    answer = answer_question(store, embedder, question, backend=backend, k=3)
    assert sum(c.file == "handbook.md" for c in answer.citations) > 1  # the name alone is ambiguous
    backing = next(c for c in answer.citations if "27 days" in c.text)
    assert answer.text == f"Full-time employees receive 27 days (handbook.md) [{backing.n}]."
    assert [c.n for c in answer.citations if c.cited] == [backing.n]
