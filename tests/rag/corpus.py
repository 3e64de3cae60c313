"""The labelled test corpora: three files as they are plus the bread guide turned into a real PDF, and a
set of look-alike documents (tests/fixtures/rag/lookalike)."""

from __future__ import annotations

import json
from pathlib import Path

from pdf_helpers import make_pdf

from rag.evaluation import Labelled

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "rag" / "corpus"
QUESTIONS = CORPUS.parent / "questions.json"
LOOKALIKE = CORPUS.parent / "lookalike"


def corpus_files() -> list[tuple[str, bytes]]:
    files = []
    for path in sorted(CORPUS.iterdir()):
        if path.name.endswith(".pdf.txt"):
            pages = path.read_text(encoding="utf-8").split("=== page break ===")
            files.append((path.name.removesuffix(".txt"), make_pdf([p.strip() for p in pages])))
        else:
            files.append((path.name, path.read_bytes()))
    return files


def labelled_questions(kind: str = "questions") -> list[Labelled]:
    """ "questions" (paraphrased) or "exact_terms" (names and codes looked up as they are written)."""
    data = json.loads(QUESTIONS.read_text(encoding="utf-8"))
    return [Labelled(q["q"], q["file"], q["answer"]) for q in data[kind]]


def unanswered_held_out() -> list[str]:
    """On-topic questions none of the labelled corpus's files answers (written to judge, not to tune)."""
    return json.loads(QUESTIONS.read_text(encoding="utf-8"))["unanswerable_held_out"]


def off_topic_questions(kind: str = "off_topic") -> list[str]:
    """ "off_topic" (used to set the relevance floor) or "off_topic_held_out" (only measured)."""
    return json.loads(QUESTIONS.read_text(encoding="utf-8"))[kind]


def lookalike_files() -> list[tuple[str, bytes]]:
    """Documents that look alike: two vendors' FAQs, two versions of a policy, a handbook and its draft."""
    return [(path.name, path.read_bytes()) for path in sorted((LOOKALIKE / "corpus").iterdir())]


def lookalike_questions() -> list[Labelled]:
    data = json.loads((LOOKALIKE / "questions.json").read_text(encoding="utf-8"))
    return [Labelled(q["q"], q["file"], q["answer"]) for q in data["questions"]]


def unanswerable_questions() -> list[str]:
    """On-topic questions that none of the look-alike documents answers."""
    return json.loads((LOOKALIKE / "questions.json").read_text(encoding="utf-8"))["unanswerable"]
