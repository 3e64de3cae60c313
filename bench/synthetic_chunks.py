"""Synthetic chunks for the retrieval benches (not a benchmark): random words, random unit vectors,
written through a store's own write path."""

from __future__ import annotations

import random

import numpy as np

from rag.types import Chunk, LoadedDocument

# Real words mixed into the synthetic vocabulary so keyword queries have something to find.
TOPIC_WORDS = ["refund", "invoice", "warranty", "tunnel", "starter", "thermostat"]


def fill_synthetic(store, n: int, dim: int = 384, model_id: str = "synthetic") -> None:
    """Write n synthetic chunks (random words, random unit vectors) into an open store of any kind."""
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(20000)] + TOPIC_WORDS
    pyrng = random.Random(0)
    batch = 5000
    for b in range(0, n, batch):
        count = min(batch, n - b)
        chunks = []
        for _ in range(count):
            text = " ".join(pyrng.choices(words, k=40))
            chunks.append(Chunk(text, None, None, 0, len(text), 50))
        vectors = rng.normal(size=(count, dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        doc = LoadedDocument(f"synthetic-{b}.txt", "text", 1, f"hash-{b}", None, [])
        store.replace_document(doc, chunks, vectors, model_id, dim)
