"""The offline MiniLM embedder: same vectors as sentence-transformers, honest token counts, pinned files."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from backends.errors import NotConfigured


def test_vectors_match_sentence_transformers(embedder, fixtures_dir):
    reference = json.loads((fixtures_dir / "minilm_reference.json").read_text(encoding="utf-8"))
    texts = [item["text"] for item in reference["items"]]
    expected = np.array([item["vector"] for item in reference["items"]], dtype=np.float32)
    got = np.array(embedder.embed(texts), dtype=np.float32)
    assert got.shape == (len(texts), 384)
    cosines = (got * expected).sum(axis=1) / np.linalg.norm(expected, axis=1)
    assert cosines.min() >= 0.99, dict(zip(texts, cosines.round(4), strict=True))


def test_vectors_are_normalised_and_order_preserved(embedder):
    texts = ["a much longer sentence about the weather in spring and autumn", "short", "medium length text"]
    together = np.array(embedder.embed(texts))
    one_by_one = np.array([embedder.embed([t])[0] for t in texts])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-4)
    assert np.allclose(together, one_by_one, atol=1e-4)


def test_paraphrase_is_closer_than_unrelated_text(embedder):
    q, para, other = embedder.embed(
        [
            "How can I get my money back?",
            "Refunds are issued within 14 days of a return.",
            "The volcano erupted in 1883.",
        ]
    )
    assert np.dot(q, para) > np.dot(q, other) + 0.2


def test_token_count_includes_special_tokens_and_is_not_capped(embedder):
    assert embedder.count_tokens("hello world") == 4  # [CLS] hello world [SEP]
    assert embedder.count_tokens("word " * 1000) == 1002
    assert embedder.max_input_tokens == 256


def test_tampered_tokenizer_is_refused(tmp_path, monkeypatch):
    from backends import local_embeddings

    bad = tmp_path / "tokenizer.json"
    shutil.copy(local_embeddings.TOKENIZER_PATH, bad)
    bad.write_text(bad.read_text(encoding="utf-8").replace('"[UNK]"', '"[UNK2]"', 1), encoding="utf-8")
    monkeypatch.setattr(local_embeddings, "TOKENIZER_PATH", bad)
    with pytest.raises(NotConfigured, match="sha256"):
        local_embeddings.MiniLMEmbedder()
