"""The whole index in memory for fast exact search: the same rankings as the SQL queries in
store.py (cosine; Okapi BM25), several times faster on large stores. A long-running process
(the app) loads one per store generation; one-shot commands use SQL directly."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .store import BM25_B, BM25_K1, Store


class MemoryIndex:
    def __init__(self, ids: np.ndarray, vectors: np.ndarray, postings: dict[str, tuple], generation: int):
        self.ids, self.vectors, self.generation = ids, vectors, generation
        self._postings = postings  # term -> (row positions, BM25 weight without idf)

    @classmethod
    def from_store(cls, store: Store) -> MemoryIndex:
        ids, vectors = store.all_vectors()
        n, total = store._term_stats()
        avgdl = total / max(n, 1)
        postings = {}
        for term, chunk_ids, tfs, lens in store.all_postings():
            tf, dl = np.asarray(tfs, dtype=np.float64), np.asarray(lens, dtype=np.float64)
            rows = np.searchsorted(ids, np.asarray(chunk_ids, dtype=np.int64))
            postings[term] = (rows, tf * (BM25_K1 + 1) / (tf + BM25_K1 * (1 - BM25_B + BM25_B * dl / avgdl)))
        index = cls(ids, vectors, postings, store.generation)
        index._n = n
        return index

    def vector_search(self, query: Sequence[float], k: int) -> list[tuple[int, float]]:
        if not len(self.ids):
            return []
        scores = self.vectors @ np.asarray(query, dtype=np.float32)  # unit rows: this is the cosine
        return self._top(scores, k, scores > -np.inf)

    def keyword_search(self, query_terms: Sequence[str], k: int) -> list[tuple[int, float]]:
        scores = np.zeros(len(self.ids))
        matched = np.zeros(len(self.ids), dtype=bool)
        for term in set(query_terms):
            if term not in self._postings:
                continue
            rows, weights = self._postings[term]
            idf = np.log(1 + (self._n - len(rows) + 0.5) / (len(rows) + 0.5))
            scores[rows] += idf * weights
            matched[rows] = True
        return self._top(scores, k, matched)

    def _top(self, scores: np.ndarray, k: int, eligible: np.ndarray) -> list[tuple[int, float]]:
        candidates = np.flatnonzero(eligible)
        if not len(candidates):
            return []
        k = min(k, len(candidates))
        top = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        top = top[np.lexsort((self.ids[top], -scores[top]))]  # ties: lower chunk id first, as in SQL
        return [(int(self.ids[i]), float(scores[i])) for i in top]
