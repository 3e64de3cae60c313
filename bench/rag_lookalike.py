"""Retrieval on documents that look alike (tests/fixtures/rag/lookalike): recall of the right passage
at 1 and 5 per search mode, search latency, and how the relevance floor treats questions the
documents do not answer. Prints figures; asserts nothing.

    python bench/rag_lookalike.py

Targets (issue 22): recall@1 >= 0.85 and recall@5 >= 0.95; search p95 within 3x of today's.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "rag")]

from corpus import lookalike_files, lookalike_questions, unanswerable_questions  # noqa: E402

from backends.local_embeddings import get_embedder  # noqa: E402
from rag.ingest import ingest_files  # noqa: E402
from rag.memory_index import MemoryIndex  # noqa: E402
from rag.retrieval import MODES, search  # noqa: E402
from rag.store import Store  # noqa: E402


def _holds(hit, item) -> bool:
    return hit.file == item.file and " ".join(item.answer.lower().split()) in " ".join(
        hit.text.lower().split()
    )


def main() -> None:
    embedder = get_embedder()
    questions = lookalike_questions()
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "lookalike.duckdb") as store:
        ingest_files(store, embedder, lookalike_files())
        index = MemoryIndex.from_store(store)
        print(
            f"{len(questions)} questions over {len(store.documents())} look-alike documents, {store.chunk_count()} chunks"
        )
        for mode in MODES:
            at1 = at5 = 0
            seconds, missed = [], []
            for item in questions:
                start = time.perf_counter()
                hits = search(store, embedder, item.question, k=5, mode=mode, index=index).hits
                seconds.append(time.perf_counter() - start)
                at1 += bool(hits) and _holds(hits[0], item)
                found = any(_holds(h, item) for h in hits)
                at5 += found
                if not (hits and _holds(hits[0], item)):
                    missed.append(f"{item.question} -> {hits[0].file if hits else 'nothing'}")
            p95 = statistics.quantiles(seconds, n=20)[18] * 1000
            print(
                f"  {mode:8} recall@1 {at1 / len(questions):.3f}  recall@5 {at5 / len(questions):.3f}"
                f"  search p50 {statistics.median(seconds) * 1000:.1f} ms  p95 {p95:.1f} ms"
            )
            for line in missed:
                print(f"      not first: {line}")
        unanswerable = unanswerable_questions()
        flagged = sum(not search(store, embedder, q, k=5, index=index).relevant for q in unanswerable)
        print(f"relevance floor: {flagged}/{len(unanswerable)} unanswerable questions found nothing relevant")


if __name__ == "__main__":
    main()
