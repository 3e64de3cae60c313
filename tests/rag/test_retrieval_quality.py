"""Retrieval on the labelled corpus: paraphrased questions find their passage; off-topic ones are recognised."""

from __future__ import annotations

import pytest
from corpus import corpus_files, labelled_questions, off_topic_questions

from rag.evaluation import recall_at_k
from rag.ingest import ingest_files
from rag.retrieval import DEFAULT_MODE, search
from rag.store import Store


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory, embedder):
    with Store(tmp_path_factory.mktemp("corpus") / "index.duckdb") as store:
        results = ingest_files(store, embedder, corpus_files())
        assert [r.status for r in results] == ["added"] * 4
        yield store


def test_paraphrased_questions_find_their_passage_in_the_top_5(corpus_store, embedder):
    recall, missed = recall_at_k(corpus_store, embedder, labelled_questions(), k=5, mode=DEFAULT_MODE)
    assert recall >= 0.9, missed


def test_default_mode_is_the_better_one_on_paraphrased_questions(corpus_store, embedder):
    questions = labelled_questions()
    by_mode = {
        m: recall_at_k(corpus_store, embedder, questions, k=5, mode=m)[0] for m in ("vector", "hybrid")
    }
    assert by_mode[DEFAULT_MODE] == max(by_mode.values()), by_mode


def test_hybrid_finds_exact_names_and_codes_first(corpus_store, embedder):
    recall, missed = recall_at_k(
        corpus_store, embedder, labelled_questions("exact_terms"), k=1, mode="hybrid"
    )
    assert recall == 1.0, missed


def test_pdf_hits_carry_their_page(corpus_store, embedder):
    hit = search(corpus_store, embedder, "What temperature for the oven before baking?", k=1).hits[0]
    assert (hit.file, hit.page) == ("bread_guide.pdf", 4)


def test_off_topic_questions_are_recognised_as_not_relevant(corpus_store, embedder):
    flagged = [q for q in off_topic_questions() if not search(corpus_store, embedder, q, k=5).relevant]
    assert flagged == off_topic_questions()
    on_topic = [q.question for q in labelled_questions()]
    wrongly_flagged = [q for q in on_topic if not search(corpus_store, embedder, q, k=5).relevant]
    assert len(wrongly_flagged) <= 1, wrongly_flagged


@pytest.mark.parametrize("mode", ["vector", "keyword", "hybrid"])
def test_in_memory_index_ranks_exactly_like_sql(corpus_store, embedder, mode):
    from rag.memory_index import MemoryIndex

    index = MemoryIndex.from_store(corpus_store)
    for item in labelled_questions() + labelled_questions("exact_terms"):
        sql = search(corpus_store, embedder, item.question, k=5, mode=mode).hits
        memory = search(corpus_store, embedder, item.question, k=5, mode=mode, index=index).hits
        assert [h.chunk_id for h in memory] == [h.chunk_id for h in sql], item.question
        assert [h.score for h in memory] == pytest.approx([h.score for h in sql], abs=1e-5)
