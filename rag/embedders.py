"""What rag needs from an embedder, and adapters that give any Floe backend that shape.

An embedder has `embed(texts)`, `model_id`, `dim`, `max_input_tokens` and `count_tokens(text)`.
The offline MiniLM embedder has them all; a backend (Cortex, an OpenAI-compatible server) is
wrapped in BackendEmbedder, which counts tokens with MiniLM's WordPiece tokenizer: arctic-embed
uses the same BERT vocabulary, and chunks stay far below any remote model's input limit anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from backends import BackendSettings, create_backend
from backends.local_embeddings import get_embedder


class Embedder(Protocol):
    model_id: str
    dim: int
    max_input_tokens: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...

    def count_tokens(self, text: str) -> int: ...


class BackendEmbedder:
    """A backend's `embed` with the bookkeeping rag needs; `dim` is learnt from the first call if unknown."""

    def __init__(self, backend, model_id: str, dim: int | None = None, max_input_tokens: int = 512):
        self.backend = backend
        self.model_id = model_id
        self.max_input_tokens = max_input_tokens
        self._dim = dim or backend.info().embedding_dim

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = len(self.backend.embed(["dimension probe"])[0])
        return self._dim

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self.backend.embed(list(texts))

    def count_tokens(self, text: str) -> int:
        return get_embedder().count_tokens(text)


def embed_array(embedder, texts: Sequence[str]) -> np.ndarray:
    """Unit-length float32 rows (normalised here too, since not every provider normalises)."""
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    fast = getattr(embedder, "embed_array", None)
    vectors = fast(texts) if fast else np.asarray(embedder.embed(texts), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


def embedder_for(backend_name: str | None, settings: BackendSettings | None = None) -> Embedder:
    """The embedder for a backend name: "local" or None gives the offline MiniLM model."""
    if backend_name in (None, "local"):
        return get_embedder()
    from backends import load_settings

    settings = settings or load_settings()
    backend = create_backend(backend_name, settings)
    model = {
        "cortex": settings.cortex.embedding_model,
        "openai_compatible": settings.openai_compatible.embedding_model,
    }.get(backend_name) or "default"
    return BackendEmbedder(backend, f"{backend_name}:{model}")
