"""Every kind of bad file is rejected with a clear reason, and the index is left exactly as it was."""

from __future__ import annotations

import pytest
from pdf_helpers import make_pdf

from rag.ingest import ingest_file
from rag.loaders import load_path
from rag.retrieval import search
from rag.store import Store

GOOD = b"Our support desk answers phone calls from 8am to 6pm on weekdays."
_valid_pdf = make_pdf(["A perfectly fine page of text about invoices."])

BAD_FILES = {
    "empty": ("notes.txt", b"", "empty"),
    "only whitespace": ("notes.txt", b" \n\n\t \n", "no text"),
    "too big": ("notes.txt", b"word " * 3000, "limit is 9.8 KB"),
    "binary posing as text": ("notes.txt", bytes(range(256)) * 8, "binary"),
    "image posing as text": ("notes.md", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG image"),
    "undecodable text": ("notes.txt", "Café crème".encode("latin-1") * 10, "not UTF-8"),
    "corrupt pdf": ("report.pdf", _valid_pdf[: len(_valid_pdf) // 2], "damaged"),
    "not a pdf at all": ("report.pdf", b"just some text pretending", "not a PDF"),
    "encrypted pdf": ("report.pdf", make_pdf(["Top secret plans."], password="hunter2"), "password"),
    "scanned pdf": ("report.pdf", make_pdf([None, None, None]), "OCR"),
    "unsupported type": ("slides.pptx", b"PK\x03\x04 whatever", "Unsupported file type .pptx"),
    "no extension": ("README", b"plain words", "Unsupported file type"),
}


@pytest.fixture
def store(tmp_path, embedder):
    with Store(tmp_path / "index.duckdb") as s:
        assert ingest_file(s, embedder, "support.txt", GOOD).status == "added"
        yield s


def _snapshot(store, embedder):
    hits = search(store, embedder, "when can I call support", k=3).hits
    return store.documents(), store.chunk_count(), store.generation, [(h.chunk_id, h.text) for h in hits]


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_file_is_rejected_and_index_is_intact(case, store, embedder):
    name, data, reason = BAD_FILES[case]
    before = _snapshot(store, embedder)
    result = ingest_file(store, embedder, name, data, max_bytes=10_000)
    assert result.status == "rejected"
    assert reason.lower() in result.reason.lower()
    assert result.chunks == 0
    assert _snapshot(store, embedder) == before


@pytest.mark.parametrize("case", ["undecodable text", "corrupt pdf"])
def test_bad_new_version_does_not_replace_the_good_one(case, store, embedder):
    name, data, _ = BAD_FILES[case]
    good_name = "support.txt" if name.endswith(".txt") else "support.pdf"
    if good_name == "support.pdf":
        assert ingest_file(store, embedder, good_name, make_pdf([GOOD.decode()])).status == "added"
    before = _snapshot(store, embedder)
    assert ingest_file(store, embedder, good_name, data).status == "rejected"
    assert _snapshot(store, embedder) == before


def test_file_over_the_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(30 * 1024 * 1024)  # sparse: 30 MB on paper, nothing on disk
    with pytest.raises(Exception, match="limit is 25 MB"):
        load_path(big)
