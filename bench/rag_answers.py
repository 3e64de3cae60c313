"""Document answers written by the embedded model: does the answer state the labelled fact, and does it
cite the passage the fact came from? Prints figures; asserts nothing.

    python bench/rag_answers.py                      # the default embedded model (Qwen2.5-Coder-1.5B)
    python bench/rag_answers.py --limit 8 --details out.json

A question counts as *right* when every content word of the labelled phrase (e.g. "27 days",
"medical certificate") appears in the answer, and as *cited* when one of the citations the answer
names ([n]) is from the labelled file and holds the phrase. *By an [n] the model wrote* leaves out
file names that rag/citing.py turned into numbers.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "rag")]

from corpus import corpus_files, labelled_questions  # noqa: E402

from backends import create_backend, load_settings  # noqa: E402
from backends.local_embeddings import get_embedder  # noqa: E402
from rag.answer import answer_question  # noqa: E402
from rag.ingest import ingest_files  # noqa: E402
from rag.store import Store  # noqa: E402

FILLER = {"a", "an", "the", "of", "to", "in", "on", "no", "not", "and", "or", "is", "be", "for"}


def states_fact(phrase: str, answer: str) -> bool:
    said = set(re.findall(r"[a-z0-9]+", answer.lower()))
    return all(w in said for w in re.findall(r"[a-z0-9]+", phrase.lower()) if w not in FILLER)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--details", help="write every question, answer and verdict to this JSON file")
    args = parser.parse_args()

    settings = load_settings()
    backend = create_backend("local", settings)
    embedder = get_embedder()
    questions = labelled_questions()[: args.limit]
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        store_path = Path(tmp) / "docs.duckdb"
        with Store(store_path) as store:
            ingest_files(store, embedder, corpus_files())
        with Store(store_path, read_only=True) as store:
            for q in questions:
                started = time.perf_counter()
                streamed: list[str] = []
                answer = answer_question(
                    store, embedder, q.question, backend=backend, on_delta=streamed.append
                )
                phrase = q.answer.lower()
                right = states_fact(q.answer, answer.text)
                holds = [c.n for c in answer.citations if c.file == q.file and phrase in c.text.lower()]
                cited = any(c.cited and c.n in holds for c in answer.citations)
                as_written = {int(n) for n in re.findall(r"\[(\d+)\]", "".join(streamed))}
                records.append(
                    {
                        "question": q.question,
                        "expected": q.answer,
                        "file": q.file,
                        "mode": answer.mode,
                        "written": "".join(streamed),
                        "answer": answer.text,
                        "right": right,
                        "cited": cited,
                        "cited_as_written": bool(as_written & set(holds)),
                        "seconds": round(time.perf_counter() - started, 2),
                    }
                )
                print(
                    f"{'ok ' if right and cited else 'NO '} {q.question[:60]:<60} {records[-1]['seconds']:5.1f} s"
                )

    n = len(records)
    seconds = [r["seconds"] for r in records]
    print(f"\nmodel: {backend.info().description}")
    print(f"questions: {n}   generated: {sum(r['mode'] == 'generated' for r in records)}")
    print(f"states the labelled fact: {sum(r['right'] for r in records) / n:.3f}")
    print(f"cites the passage holding it: {sum(r['cited'] for r in records) / n:.3f}")
    print(f"  by an [n] the model wrote: {sum(r['cited_as_written'] for r in records) / n:.3f}")
    print(f"both: {sum(r['right'] and r['cited'] for r in records) / n:.3f}")
    print(
        f"both, counting only [n] the model wrote: {sum(r['right'] and r['cited_as_written'] for r in records) / n:.3f}"
    )
    print(f"seconds per answer: p50 {statistics.median(seconds):.1f}  max {max(seconds):.1f}")
    if args.details:
        Path(args.details).write_text(json.dumps(records, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
