"""Chunking: follows structure, never exceeds the embedder's input, keeps exact offsets, overlaps a little."""

from __future__ import annotations

import random

from pdf_helpers import make_pdf

from rag.chunking import chunk_document
from rag.loaders import load_document


def _words(n: int, seed: int) -> str:
    rng = random.Random(seed)
    vocab = ["river", "mountain", "ledger", "invoice", "quarterly", "pipeline", "antelope", "harbour"]
    sentences, words = [], []
    for i in range(n):
        words.append(rng.choice(vocab))
        if i % 12 == 11:
            sentences.append(" ".join(words).capitalize() + ".")
            words = []
    return " ".join(sentences + [" ".join(words)]).strip()


def test_no_chunk_exceeds_the_model_input_and_offsets_are_exact(embedder):
    # a normal section, one huge paragraph, and one run-on "sentence" with no punctuation at all
    md = f"# Intro\n\n{_words(80, 1)}\n\n# Long\n\n{_words(900, 2)}\n\n# Run-on\n\n{'lantern ' * 700}\n"
    doc = load_document("big.md", md.encode())
    chunks = chunk_document(doc, embedder.count_tokens, embedder.max_input_tokens)
    assert len(chunks) > 8
    for chunk in chunks:
        assert embedder.count_tokens(chunk.embed_text) == chunk.tokens <= embedder.max_input_tokens
        assert doc.text[chunk.char_start : chunk.char_end] == chunk.text
    # nothing is lost: every non-space character of every paragraph is inside some chunk
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.char_start, chunk.char_end))
    start = 0
    for block in doc.blocks:
        if not block.is_heading:
            assert all(start + i in covered for i, ch in enumerate(block.text) if not ch.isspace())
        start += len(block.text) + 2


def test_chunks_follow_headings_and_pages(embedder):
    md = b"# Alpha\n\nAlpha text is short.\n\n# Beta\n\nBeta text is short too.\n"
    chunks = chunk_document(load_document("a.md", md), embedder.count_tokens, embedder.max_input_tokens)
    assert [(c.heading, c.text) for c in chunks] == [
        ("Alpha", "Alpha text is short."),
        ("Beta", "Beta text is short too."),
    ]
    assert chunks[0].embed_text == "Alpha\nAlpha text is short."

    pdf = load_document("p.pdf", make_pdf(["Page one words.", "Page two words."]))
    assert [(c.page, c.text) for c in chunk_document(pdf, embedder.count_tokens, 256)] == [
        (1, "Page one words."),
        (2, "Page two words."),
    ]


def test_consecutive_chunks_of_a_section_overlap(embedder):
    doc = load_document("long.txt", _words(600, 3).encode())
    chunks = chunk_document(doc, embedder.count_tokens, embedder.max_input_tokens)
    assert len(chunks) >= 3
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert after.char_start < before.char_end  # shares the previous chunk's last sentence
        assert after.char_end > before.char_end
