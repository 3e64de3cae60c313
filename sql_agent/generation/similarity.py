"""Embedding similarity between a question and each table, a second signal for schema linking.

Keywords miss a question that says "shoppers" for `customers`; a sentence embedding of the table's
name, columns, comment and synonyms catches it. Table vectors are computed once per table text (a
process-wide cache, so the same tables in another Schema object cost nothing) and the matrix once per
schema; a question then pays one short embedding and a matrix-vector product. Without the embedder
(model not installed, damaged file) or with FLOE_LINK_EMBEDDINGS=0, every function here returns None
and linking uses keywords only.
"""

from __future__ import annotations

import os
import threading
import time

import numpy as np

from ..schema import Schema, Table

_MAX_CACHED = 50_000  # table texts; 384 float32 each, about 75 MB at the cap
_vectors: dict[str, np.ndarray] = {}
_lock = threading.Lock()
_unavailable = False
_instance = None


def _embedder():
    """The linker's own one-thread MiniLM. The shared get_embedder() session uses a thread pool whose
    workers spin after each call: on two cores that doubled the keyword linking that follows (19 ms
    to 40 ms), and one thread embeds a short question faster anyway (7.5 ms against 15 ms)."""
    global _instance, _unavailable
    if _unavailable or os.environ.get("FLOE_LINK_EMBEDDINGS", "1") == "0":  # "0": keywords only
        return None
    if _instance is None:
        try:
            from backends.local_embeddings import MiniLMEmbedder

            _instance = MiniLMEmbedder(threads=1)
        except Exception:  # noqa: BLE001 - any load failure means "no embeddings", never a failed question
            _unavailable = True  # once: retrying a failed load on every question would cost a second each
            return None
    return _instance


def table_text(table: Table, synonyms: set[str] | frozenset[str] = frozenset()) -> str:
    """Words a person would use for the table; types and sample values would only add noise."""
    name = table.name.replace("_", " ").replace(".", " ")
    columns = ", ".join(c.name.replace("_", " ") for c in table.columns)
    parts = [f"{name}: {columns}."]
    if table.comment:
        parts.append(table.comment)
    if synonyms:
        parts.append("Also called: " + ", ".join(sorted(synonyms)) + ".")
    return " ".join(parts)


_SYNC_LIMIT = 64  # new table texts embedded while the question waits (under a second)
_PENDING = object()


def _matrix(schema: Schema, synonyms: dict[str, set[str]], wait: bool = False):
    """(table names, unit vectors) for the schema, or None while unavailable or still being built.

    A large schema seen for the first time is embedded in a background thread (tens of seconds for
    1,000 tables on two cores); its questions use keywords until the vectors are ready."""
    key = _key(synonyms)
    cache = schema.__dict__.setdefault("_link_vectors", {})  # a frozen dataclass still has a __dict__
    with _lock:
        found = cache.get(key)
        if found is not None:
            return None if found is _PENDING else found
        embedder = _embedder()
        if embedder is None:
            return None
        texts = [table_text(t, synonyms.get(t.name, frozenset())) for t in schema.tables]
        known = {t: _vectors[t] for t in texts if t in _vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        background = len(missing) > _SYNC_LIMIT and not wait
        cache[key] = _PENDING
    names = [t.name for t in schema.tables]
    if background:
        threading.Thread(
            target=_build, args=(embedder, cache, key, names, texts, known, missing), daemon=True
        ).start()
        return None
    return _build(embedder, cache, key, names, texts, known, missing)


def _build(embedder, cache, key, names, texts, known, missing):
    try:
        if missing:
            known.update(zip(missing, embedder.embed_array(missing), strict=True))
        matrix = np.stack([known[t] for t in texts]) if texts else np.zeros((0, embedder.dim), np.float32)
    except Exception:  # noqa: BLE001 - a failing model leaves this schema on keywords, nothing worse
        with _lock:
            cache.pop(key, None)
        return None
    with _lock:
        if len(_vectors) + len(missing) > _MAX_CACHED:
            _vectors.clear()
        _vectors.update((t, known[t]) for t in missing)
        cache[key] = (names, matrix)
    return cache[key]


def prepare(schema: Schema, synonyms: dict[str, set[str]] | None = None) -> bool:
    """Embed the schema's tables now, waiting, so that its first questions already use them."""
    while True:
        with _lock:
            pending = schema.__dict__.get("_link_vectors", {}).get(_key(synonyms or {})) is _PENDING
        if not pending:
            return _matrix(schema, synonyms or {}, wait=True) is not None
        time.sleep(0.05)  # another thread is embedding this schema


def _key(synonyms: dict[str, set[str]]) -> tuple:
    return tuple(sorted((t, tuple(sorted(s))) for t, s in synonyms.items()))


def similarities(
    question: str, schema: Schema, synonyms: dict[str, set[str]] | None = None
) -> dict[str, float] | None:
    """Cosine similarity of the question to every table, or None when the embedder cannot load."""
    found = _matrix(schema, synonyms or {})
    if found is None:
        return None
    names, matrix = found
    try:
        asked = _embedder().embed_array([question])[0]
    except Exception:  # noqa: BLE001 - a failing model must not fail the question
        return None
    return dict(zip(names, (matrix @ asked).tolist(), strict=True))
