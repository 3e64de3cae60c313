"""How well the per-sentence support check (rag/support.py) agrees with sentences labelled by hand.

    python bench/rag_support.py

Each labelled item (tests/fixtures/rag/support_labels.json) is a sentence the embedded model wrote in
an answer (bench/rag_answers.py), a passage (title and section first), and a person's verdict: does
the passage back what the sentence claims? Sentences are checked against the passage the model cited
and, for the look-alike documents, against the same section of the look-alike document. Prints
precision and recall of "not backed" (what the page greys or re-cites) per candidate method.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "rag")]

from corpus import corpus_files, lookalike_files  # noqa: E402

from backends.local_embeddings import get_embedder  # noqa: E402
from rag import support  # noqa: E402
from rag.embedders import embed_array  # noqa: E402
from rag.keywords import terms  # noqa: E402
from rag.loaders import load_document  # noqa: E402

LABELS = ROOT / "tests" / "fixtures" / "rag" / "support_labels.json"


def main() -> None:
    items = json.loads(LABELS.read_text(encoding="utf-8"))["items"]
    titles = [load_document(name, data).title for name, data in corpus_files() + lookalike_files()]
    embedder = get_embedder()
    truth = [item["supported"] for item in items]
    rows = []
    for item in items:
        claim = support._FILE_LABEL.sub("", support._CITE.sub("", item["sentence"])).strip()
        passage = item["passage"]
        own_title = passage.split("\n", 1)[0]
        foreign = set().union(*(set(terms(t)) for t in titles if t != own_title)) - set(terms(passage))
        asked = set(terms(item["question"]))
        parts = [p for line in passage.split("\n") for p in support.split_sentences(line)]
        words = set(terms(support._words_only(claim))) - support._ANSWER_WORDS
        have = set(terms(support._words_only(passage)))
        new = (words - asked) or words
        numbers_ok = support.numbers(claim) <= support.numbers(passage)
        rows.append(
            {
                "numbers": numbers_ok,
                "added": numbers_ok and (not new or len(new & have) / len(new) >= 0.5),
                "whole": numbers_ok and (not words or len(words & have) / len(words) >= 0.5),
                "kept, no titles rule": (c := support.coverage(claim, passage, asked)) is not None
                and c >= 0.5,
                "kept": (c := support.coverage(claim, passage, asked, foreign)) is not None
                and c >= support.MIN_COVERAGE,
                "cosine": float(max(embed_array(embedder, parts) @ embed_array(embedder, [claim])[0])),
            }
        )
    methods = {
        "numbers only": [r["numbers"] for r in rows],
        "numbers + half the words the claim adds to the question": [r["added"] for r in rows],
        "numbers + half the claim's words": [r["whole"] for r in rows],
        "both, title aside for the second, no foreign-title rule": [r["kept, no titles rule"] for r in rows],
        "rag/support.py as kept (+ another document's title words)": [r["kept"] for r in rows],
        "kept, or cosine >= 0.6 to a passage sentence": [r["kept"] or r["cosine"] >= 0.6 for r in rows],
        **{f"cosine alone >= {c}": [r["cosine"] >= c for r in rows] for c in (0.5, 0.6, 0.7)},
    }
    unbacked = sum(not t for t in truth)
    print(f"{len(items)} labelled sentences, {unbacked} not backed by their passage")
    print("Precision and recall of 'not backed':")
    for name, verdicts in methods.items():
        flagged = [not v for v in verdicts]
        hits = sum(f and not t for f, t in zip(flagged, truth, strict=True))
        wrong = sum(f and t for f, t in zip(flagged, truth, strict=True))
        print(
            f"  {name:58} precision {hits / max(sum(flagged), 1):.3f}  recall {hits / max(unbacked, 1):.3f}"
            f"  (backed sentences flagged: {wrong})"
        )


if __name__ == "__main__":
    main()
