"""Ingest into a real store: idempotent, replaces changed files, deletes, refuses a different embedder."""

from __future__ import annotations

import numpy as np
import pytest

from rag.errors import EmbedderMismatch
from rag.ingest import ingest_file, ingest_files
from rag.retrieval import search
from rag.store import Store

POLICY = b"# Returns\n\nItems can be sent back within 30 days for a full refund.\n\n# Delivery\n\nParcels leave the warehouse within two working days.\n"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "index.duckdb") as s:
        yield s


def test_reingesting_the_same_content_is_a_no_op(store, embedder):
    first = ingest_file(store, embedder, "policy.md", POLICY)
    generation = store.generation
    again = ingest_file(store, embedder, "policy.md", POLICY)
    assert (first.status, again.status) == ("added", "unchanged")
    assert again.chunks == first.chunks == store.chunk_count() == 2
    assert store.generation == generation  # nothing was rewritten
    copy = ingest_file(store, embedder, "policy-copy.md", POLICY)
    assert copy.status == "unchanged" and "policy.md" in copy.reason
    assert [d.file for d in store.documents()] == ["policy.md"]


def test_changed_file_replaces_its_old_chunks(store, embedder):
    ingest_file(store, embedder, "policy.md", POLICY)
    changed = POLICY.replace(b"30 days", b"60 days")
    result = ingest_file(store, embedder, "policy.md", changed)
    assert result.status == "replaced"
    assert store.chunk_count() == 2
    texts = [h.text for h in search(store, embedder, "how many days to return an item", k=5).hits]
    assert any("60 days" in t for t in texts) and not any("30 days" in t for t in texts)


def test_delete_removes_the_document_and_its_chunks(store, embedder):
    ingest_file(store, embedder, "policy.md", POLICY)
    ingest_file(store, embedder, "other.txt", b"The office cat is called Biscuit.")
    assert store.delete_document("policy.md")
    assert not store.delete_document("policy.md")
    assert [d.file for d in store.documents()] == ["other.txt"]
    hits = search(store, embedder, "refund within 30 days", k=5).hits
    assert {h.file for h in hits} == {"other.txt"}
    assert store.keyword_search(["refund"], 5) == []


def test_store_persists_across_opening(tmp_path, embedder):
    path = tmp_path / "index.duckdb"
    with Store(path) as s:
        ingest_file(s, embedder, "policy.md", POLICY)
    with Store(path, read_only=True) as s:
        assert [(d.file, d.chunks, d.kind) for d in s.documents()] == [("policy.md", 2, "markdown")]
        assert s.embedding_model == ("all-MiniLM-L6-v2-int8", 384)


class _OtherEmbedder:
    """A genuinely different embedding model: MiniLM vectors in a rotated 384-dim space."""

    model_id = "other-model"
    dim = 384
    max_input_tokens = 256

    def __init__(self, base):
        self.base = base
        self.rotation = np.linalg.qr(np.random.default_rng(0).normal(size=(384, 384)))[0]

    def count_tokens(self, text):
        return self.base.count_tokens(text)

    def embed(self, texts):
        return (np.array(self.base.embed(texts)) @ self.rotation).tolist()


def test_querying_with_another_embedding_model_is_refused(store, embedder):
    ingest_file(store, embedder, "policy.md", POLICY)
    other = _OtherEmbedder(embedder)
    with pytest.raises(EmbedderMismatch, match="all-MiniLM-L6-v2-int8"):
        search(store, other, "refund")
    result = ingest_file(store, other, "new.txt", b"Some new text.")
    assert result.status == "rejected" and "all-MiniLM-L6-v2-int8" in result.reason
    assert [d.file for d in store.documents()] == ["policy.md"]


def test_ingesting_many_files_at_once_matches_one_by_one(store, embedder):
    changed = POLICY.replace(b"30 days", b"60 days")
    files = [
        ("policy.md", POLICY),
        ("policy.md", changed),
        ("copy.md", POLICY),
        ("copy2.md", changed),
        ("bad.txt", b""),
    ]
    progress = []
    results = ingest_files(store, embedder, files, on_progress=lambda done, r: progress.append(done))
    assert [(r.file, r.status) for r in results] == [
        ("policy.md", "added"),
        ("policy.md", "replaced"),
        ("copy.md", "added"),  # its content left the store when policy.md changed
        ("copy2.md", "unchanged"),  # same content as the new policy.md
        ("bad.txt", "rejected"),
    ]
    assert sorted(progress) == [1, 2, 3, 4, 5]
    assert [d.file for d in store.documents()] == ["copy.md", "policy.md"]
