"""Find the chunks that answer a question: vector search, BM25 and the documents' titles, fused by score.

The default mode, its weights and the relevance floor were chosen by measurement on the labelled
question sets in tests/fixtures/rag (bench/rag.py, bench/rag_lookalike.py, docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from .embedders import Embedder, embed_array
from .keywords import terms, title_scores
from .memory_index import MemoryIndex
from .store import Store
from .types import Hit

MODES = ("hybrid", "vector", "keyword")
# hybrid = cosine + KEYWORD_WEIGHT * BM25 (scaled to the best candidate's) + TITLE_WEIGHT * how well the
# document's title matches the question (keywords.title_scores). Cosine alone cannot tell two look-alike
# documents apart (two vendors' FAQs, a policy and its next version): their passages say the same thing
# with other numbers, and only the title says which is which. Weights chosen on the first half of the
# look-alike set and judged on its second half and on the paraphrased set (recall@1: look-alike second
# half 0.684 -> 0.895, paraphrased 0.875 -> 0.906; docs/benchmarks.md). Rank fusion (RRF), tried first,
# lost paraphrased answers to BM25 (0.875 -> 0.750).
DEFAULT_MODE = "hybrid"
KEYWORD_WEIGHT = 0.1
TITLE_WEIGHT = 0.2
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
    cosines = dict(by_vector)
    cosines.update(store.cosines([cid for cid, _ in by_keyword if cid not in cosines], qvec))
    titles = store.titles()
    title_match = _title_match(store, query, cosines, titles) if mode == "hybrid" else {}
    ranked = _rank(by_vector, by_keyword, mode, cosines, title_match)[:k]
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
                title_score=title_match.get(cid) if mode == "hybrid" else None,
                title=titles.get(row["file"]),
            )
        )
    best = max((c for _, c in by_vector[:1]), default=0.0)
    return SearchResult(query, mode, hits, relevant=best >= MIN_RELEVANCE)


def _title_match(store: Store, query: str, candidates, titles: dict[str, str]) -> dict[int, float]:
    """Each candidate chunk's document-title score."""
    files = store.files_of(list(candidates))
    by_file = title_scores(query, titles)
    return {cid: by_file.get(file, 0.0) for cid, file in files.items()}


def _rank(by_vector, by_keyword, mode, cosines, title_match) -> list[tuple[int, float]]:
    if mode == "vector":
        return list(by_vector)
    if mode == "keyword":
        return list(by_keyword)
    best_keyword = max((score for _, score in by_keyword), default=0.0) or 1.0
    keyword = {cid: score / best_keyword for cid, score in by_keyword}
    fused = {
        cid: cosine + KEYWORD_WEIGHT * keyword.get(cid, 0.0) + TITLE_WEIGHT * title_match.get(cid, 0.0)
        for cid, cosine in cosines.items()
    }
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
