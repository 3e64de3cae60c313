"""Document answers written by the embedded model: does the answer state the labelled fact, and does it
cite the passage the fact came from? Prints figures; asserts nothing.

    python bench/rag_answers.py                      # the default embedded model (Qwen2.5-Coder-1.5B)
    python bench/rag_answers.py --limit 8 --details out.json
    python bench/rag_answers.py --set lookalike      # look-alike documents, and questions they do not answer

A question counts as *right* when every content word of the labelled phrase (e.g. "27 days",
"medical certificate") appears in the answer, and as *cited* when one of the citations the answer
names ([n]) is from the labelled file and holds the phrase. *By an [n] the model wrote* leaves out
file names that rag/citing.py turned into numbers and citations the support check (rag/support.py)
moved. With `--set lookalike` the questions none of the documents answers are asked too: an answer
*says so* when it is "not found" (no passage relevant, or none backs the model's sentences) or one of
its sentences says the documents do not cover it.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "rag")]

from corpus import (  # noqa: E402
    corpus_files,
    labelled_questions,
    lookalike_files,
    lookalike_questions,
    unanswerable_questions,
    unanswered_held_out,
)

from backends import create_backend, load_settings  # noqa: E402
from backends.local_embeddings import get_embedder  # noqa: E402
from rag import answer as rag_answer  # noqa: E402
from rag import prompts as rag_prompts  # noqa: E402
from rag.answer import answer_question  # noqa: E402
from rag.ingest import ingest_files  # noqa: E402
from rag.loaders import load_document  # noqa: E402
from rag.store import Store  # noqa: E402
from rag.support import SentenceSupport, check_answer  # noqa: E402
from rag.types import embed_prefix  # noqa: E402

FILLER = {"a", "an", "the", "of", "to", "in", "on", "no", "not", "and", "or", "is", "be", "for"}


def states_fact(phrase: str, answer: str) -> bool:
    said = set(re.findall(r"[a-z0-9]+", answer.lower()))
    return all(w in said for w in re.findall(r"[a-z0-9]+", phrase.lower()) if w not in FILLER)


def summarise(records: list[dict], refusals: list[dict], model: str) -> None:
    n = len(records)
    seconds = [r["seconds"] for r in records]
    print(f"\nmodel: {model}")
    print(f"questions: {n}   generated: {sum(r['mode'] == 'generated' for r in records)}")
    print(f"states the labelled fact: {sum(r['right'] for r in records) / n:.3f}")
    print(f"cites the passage holding it: {sum(r['cited'] for r in records) / n:.3f}")
    print(f"  by an [n] the model wrote: {sum(r['cited_as_written'] for r in records) / n:.3f}")
    print(f"both: {sum(r['right'] and r['cited'] for r in records) / n:.3f}")
    print(
        f"both, counting only [n] the model wrote: {sum(r['right'] and r['cited_as_written'] for r in records) / n:.3f}"
    )
    print(
        f"answerable questions said to be not in the documents: {sum(r['says_not_found'] for r in records)}"
    )
    sentences = [s for r in records for s in r["sentences"] if s["claim"]]
    print(
        f"answer sentences: {len(sentences)}, re-cited {sum(bool(s['recited_from']) and s['supported'] for s in sentences)}, "
        f"unsupported {sum(not s['supported'] for s in sentences)}"
    )
    if refusals:
        print(f"unanswerable questions that say so: {sum(r['says_so'] for r in refusals)}/{len(refusals)}")
    print(f"seconds per answer: p50 {statistics.median(seconds):.1f}  max {max(seconds):.1f}")


def rescore(path: Path, which: str) -> int:
    """The sentences a details file recorded, as the model wrote them, checked by today's rag/support.py
    against the passages it recorded (titles from the corpus): the check changes, the answers do not."""
    files = corpus_files() if which == "labelled" else lookalike_files()
    titles = {name: load_document(name, data).title for name, data in files}
    data = json.loads(path.read_text(encoding="utf-8"))
    for record in data["answers"] + data["unanswerable"]:
        passages = {}
        for n, entry in record.get("passages", {}).items():
            file, heading, text = entry.split(" | ", 2)
            passages[int(n)] = (file, embed_prefix(titles[file], heading or None) + text, text)
        written = " ".join(  # each sentence with the citations the model wrote
            SentenceSupport(
                s["text"], s["recited_from"] if s["recited_from"] is not None else s["cites"]
            ).shown
            for s in record["sentences"]
        )
        sentences = check_answer(record["question"], written, {n: p[1] for n, p in passages.items()})
        claims = [s for s in sentences if s.claim]
        unbacked = bool(claims) and not any(s.supported for s in claims)
        text = "" if unbacked else " ".join(s.shown for s in sentences)
        record["sentences"] = [asdict(s) for s in sentences]
        record["says_so"] = record["says_not_found"] = (
            (record["mode"] == "not_found" and not record["sentences"])
            or unbacked
            or any(not s.claim for s in sentences)
        )
        if "expected" in record:
            phrase = record["expected"].lower()
            cited = {n for s in sentences for n in s.cites}
            record["right"] = not unbacked and states_fact(record["expected"], text or record["answer"])
            record["cited"] = any(
                n in cited and p[0] == record["file"] and phrase in p[2].lower() for n, p in passages.items()
            )
    summarise(data["answers"], data["unanswerable"], f"(rescored {path.name})")
    return 0


def says_not_found(answer) -> bool:
    return answer.mode == "not_found" or any(not s.claim for s in answer.sentences)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--details", help="write every question, answer and verdict to this JSON file")
    parser.add_argument("--set", choices=["labelled", "lookalike"], default="labelled")
    parser.add_argument("--grammar", choices=["on", "off"], help="the citation grammar (default: rag's)")
    parser.add_argument("--rescore", metavar="DETAILS", help="check a details file's answers again, no model")
    parser.add_argument("--unanswered-example", choices=["on", "off"], help="the prompt's refusal example")
    parser.add_argument("--gate", choices=["on", "off"], help="ask first whether the passages answer at all")
    parser.add_argument("--extract", choices=["on", "off"], help="pick the answering sentences, then write")
    parser.add_argument("--named-document", choices=["on", "off"], help="only the named document's passages")
    args = parser.parse_args()
    if args.rescore:
        return rescore(Path(args.rescore), args.set)

    settings = load_settings()
    backend = create_backend("local", settings)
    embedder = get_embedder()
    files, questions = (
        (corpus_files(), labelled_questions())
        if args.set == "labelled"
        else (lookalike_files(), lookalike_questions())
    )
    questions = questions[: args.limit]
    grammar = None if args.grammar is None else args.grammar == "on"
    unanswerable = (unanswerable_questions() if args.set == "lookalike" else unanswered_held_out())[
        : args.limit
    ]
    if args.unanswered_example:
        rag_prompts.SHOW_UNANSWERED_EXAMPLE = args.unanswered_example == "on"
    if args.gate:
        rag_answer.ANSWERABILITY_GATE = args.gate == "on"
    if args.extract:
        rag_answer.EXTRACT_THEN_WRITE = args.extract == "on"
    if args.named_document:
        rag_answer.NAMED_DOCUMENT_ONLY = args.named_document == "on"
    records, refusals = [], []
    with tempfile.TemporaryDirectory() as tmp:
        store_path = Path(tmp) / "docs.duckdb"
        with Store(store_path) as store:
            ingest_files(store, embedder, files)
        with Store(store_path, read_only=True) as store:
            for question in unanswerable:
                started = time.perf_counter()
                answer = answer_question(store, embedder, question, backend=backend, grammar=grammar)
                refusals.append(
                    {
                        "question": question,
                        "mode": answer.mode,
                        "answer": answer.text,
                        "says_so": says_not_found(answer),
                        "sentences": [asdict(s) for s in answer.sentences],
                        "passages": {
                            c.n: f"{c.file} | {c.heading or ''} | {c.text}" for c in answer.citations
                        },
                        "seconds": round(time.perf_counter() - started, 2),
                    }
                )
                print(f"{'ok ' if refusals[-1]['says_so'] else 'NO '} {question[:60]:<60} (unanswerable)")
            for q in questions:
                started = time.perf_counter()
                streamed: list[str] = []
                answer = answer_question(
                    store, embedder, q.question, backend=backend, on_delta=streamed.append, grammar=grammar
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
                        "says_not_found": says_not_found(answer),
                        "sentences": [asdict(s) for s in answer.sentences],
                        "passages": {
                            c.n: f"{c.file} | {c.heading or ''} | {c.text}" for c in answer.citations
                        },
                        "seconds": round(time.perf_counter() - started, 2),
                    }
                )
                print(
                    f"{'ok ' if right and cited else 'NO '} {q.question[:60]:<60} {records[-1]['seconds']:5.1f} s"
                )

    summarise(records, refusals, backend.info().description)
    if args.details:
        Path(args.details).write_text(json.dumps({"answers": records, "unanswerable": refusals}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
