"""Retrieval quality on a labelled question set: recall@k, and how well off-topic questions are spotted."""

from __future__ import annotations

from dataclasses import dataclass

from .retrieval import search


@dataclass(frozen=True)
class Labelled:
    question: str
    file: str
    answer: str  # a phrase the right passage contains


def recall_at_k(
    store, embedder, labelled: list[Labelled], k: int = 5, mode: str = "hybrid"
) -> tuple[float, list[str]]:
    """Share of questions whose answer passage is among the top k hits, and the questions missed."""
    missed = []
    for item in labelled:
        hits = search(store, embedder, item.question, k=k, mode=mode).hits
        if not any(h.file == item.file and item.answer.lower() in h.text.lower() for h in hits):
            missed.append(item.question)
    return 1 - len(missed) / len(labelled), missed


def best_cosines(store, embedder, questions: list[str]) -> list[float]:
    return [search(store, embedder, q, k=1, mode="vector").best_cosine for q in questions]
