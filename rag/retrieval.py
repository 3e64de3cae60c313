"""Find the chunks that answer a question: vector search, BM25, and their rank fusion.

The default mode and the relevance floor were chosen by measurement on the labelled question
set in tests/fixtures/rag (see bench/rag.py and tests/rag/test_retrieval_quality.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from .embedders import Embedder, embed_array
from .keywords import terms
from .memory_index import MemoryIndex
from .store import Store
from .types import Hit

MODES = ("hybrid", "vector", "keyword")
# Measured on the labelled set (bench/rag.py): vector alone finds more paraphrased answers (recall@5
# 0.97 vs 0.91 for hybrid); hybrid wins only on exact names and codes at rank 1. Vector is the default.
DEFAULT_MODE = "vector"
RRF_K = 60  # the usual reciprocal-rank-fusion constant: rank 1 is worth little more than rank 5
KEYWORD_WEIGHT = 1.0  # BM25's share in the fusion, relative to the vector ranking
CANDIDATES = 30  # from each retriever, before fusion
# Below this cosine the best chunk is not about the question (MiniLM: unrelated text scores ~0-0.2).
MIN_RELEVANCE = 0.2  # labelled set: on-topic best cosines 0.22-0.74, off-topic 0.10-0.19


@dataclass
class SearchResult:
    query: str
    mode: str
    hits: list[Hit]
    relevant: bool  # False: nothing in the documents is about the question

    @property
    def best_cosine(self) -> float:
        return max((h.vector_score or 0.0 for h in self.hits), default=0.0)


def search(
    store: Store,
    embedder: Embedder,
    query: str,
    k: int = 5,
    mode: str = DEFAULT_MODE,
    index: MemoryIndex | None = None,
) -> SearchResult:
    """The k best chunks for `query`. `index`, when it is of the store's current generation,
    answers instead of SQL (same ranking, faster)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    store.check_embedder(embedder.model_id, embedder.dim)
    qvec = embed_array(embedder, [query])[0]
    n = max(CANDIDATES, k)
    source = index if index is not None and index.generation == store.generation else store
    by_vector = source.vector_search(qvec, n)
    # BM25 runs in every mode so that the inspector can show both scores; only `mode` decides the ranking.
    by_keyword = source.keyword_search(list(terms(query)), n)
    ranked = _rank(by_vector, by_keyword, mode)[:k]
    cosines = dict(by_vector)
    missing = [cid for cid, _ in ranked if cid not in cosines]
    cosines.update(store.cosines(missing, qvec))
    rows = store.chunks_by_id([cid for cid, _ in ranked])
    vranks = {cid: i for i, (cid, _) in enumerate(by_vector, start=1)}
    kranks = {cid: i for i, (cid, _) in enumerate(by_keyword, start=1)}
    kscores = dict(by_keyword)
    hits = []
    for cid, score in ranked:
        row = rows[cid]
        ranks = {name: r[cid] for name, r in (("vector", vranks), ("keyword", kranks)) if cid in r}
        hits.append(
            Hit(
                chunk_id=cid,
                file=row["file"],
                page=row["page"],
                heading=row["heading"],
                text=row["text"],
                char_start=row["char_start"],
                char_end=row["char_end"],
                score=score,
                vector_score=cosines.get(cid),
                keyword_score=kscores.get(cid),
                ranks=ranks,
            )
        )
    best = max((c for _, c in by_vector[:1]), default=0.0)
    return SearchResult(query, mode, hits, relevant=best >= MIN_RELEVANCE)


def _rank(by_vector, by_keyword, mode) -> list[tuple[int, float]]:
    if mode == "vector":
        return list(by_vector)
    if mode == "keyword":
        return list(by_keyword)
    fused: dict[int, float] = {}
    for results, weight in ((by_vector, 1.0), (by_keyword, KEYWORD_WEIGHT)):
        for rank, (cid, _) in enumerate(results, start=1):
            fused[cid] = fused.get(cid, 0.0) + weight / (RRF_K + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
