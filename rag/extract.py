"""Extract, then write: before an answer is written, the model picks the sentences of the passages that
state the answer (labelled S1, S2, ... across the passages), or says none does. The answer is then
written from those sentences alone, under their passages' numbers; "none" is "not found".

A small model asked to answer from whole passages often copies a neighbouring fact (the other
policy's number, the allowance next to the price asked about); picking first narrows what it writes
from, and gives the citation inspector the sentences the answer came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backends import ChatParams, Message

from .prompts import source_label
from .types import Hit

# One sentence: up to . ! or ? before a space, a blank line, or the end ("1.5 metres" stays whole).
SENTENCE = re.compile(r"\S.*?(?:[.!?]+(?=\s)|(?=\n\n)|\Z)", re.S)
MOST_PICKED = 4
_LABEL = re.compile(r"\bS(\d+)\b")

EXTRACT_SYSTEM = (
    "You pick, from numbered passages whose sentences are labelled S1, S2 and so on, the sentences that "
    "state the answer to a question. Reply with their labels only, for example: S2, S3. If no sentence "
    "states the answer to this exact question, reply: none."
)
EXAMPLE_PASSAGES = (
    "[1] (garden.md, section 'Soil')\nS1: Tomatoes grow best in soil rich in compost.\n"
    "S2: Add a handful of compost when planting.\n\n"
    "[2] (garden.md, section 'Watering')\nS3: Water tomatoes twice a week in summer.\n"
    "S4: Water early in the morning."
)
EXAMPLES = [
    (f"{EXAMPLE_PASSAGES}\n\nQuestion: How often should I water tomatoes?", "S3, S4"),
    (f"{EXAMPLE_PASSAGES}\n\nQuestion: Which tomato variety grows best in pots?", "none"),
]


@dataclass
class Sentence:
    label: str  # "S3"
    n: int  # the passage's number, as cited
    start: int  # offsets into the passage's text
    end: int

    def text(self, hit: Hit) -> str:
        return hit.text[self.start : self.end].strip()


def label_sentences(hits: list[Hit]) -> list[Sentence]:
    sentences = []
    for n, hit in enumerate(hits, start=1):
        for m in SENTENCE.finditer(hit.text):
            if m.group().strip():
                sentences.append(Sentence(f"S{len(sentences) + 1}", n, m.start(), m.end()))
    return sentences


def extract_messages(question: str, hits: list[Hit], sentences: list[Sentence]) -> list[Message]:
    blocks = []
    for n, hit in enumerate(hits, start=1):
        lines = [f"{s.label}: {' '.join(s.text(hit).split())}" for s in sentences if s.n == n]
        blocks.append(f"[{n}] ({source_label(hit)})\n" + "\n".join(lines))
    messages = [Message("system", EXTRACT_SYSTEM)]
    for asked, picked in EXAMPLES:
        messages += [Message("user", asked), Message("assistant", picked)]
    passages = "\n\n".join(blocks)
    messages.append(Message("user", f"{passages}\n\nQuestion: {question}"))
    return messages


def extract_grammar(sentences: list[Sentence]) -> str:
    """GBNF: "none", or one to MOST_PICKED labels that exist, separated by ", "."""
    labels = " | ".join(f'"{s.label}"' for s in sentences)
    more = ' (", " label)?' * (MOST_PICKED - 1)
    return f'root ::= "none" | label{more}\nlabel ::= {labels}'


def parse_picked(reply: str, sentences: list[Sentence]) -> list[Sentence] | None:
    """The sentences a reply names, in passage order; [] when it says none; None when it names nothing
    known and does not say none (a backend without grammars wandering off: write from whole passages)."""
    by_label = {s.label: s for s in sentences}
    named = {f"S{m}" for m in _LABEL.findall(reply)} & by_label.keys()
    if named:
        return [s for s in sentences if s.label in named]
    return [] if re.search(r"\bnone\b", reply, re.I) else None


def pick_sentences(question: str, hits: list[Hit], backend, info) -> list[Sentence] | None:
    sentences = label_sentences(hits)
    grammar = extract_grammar(sentences) if "grammar" in info.options and sentences else None
    params = ChatParams(temperature=0, max_tokens=6 * MOST_PICKED, grammar=grammar)
    reply = "".join(backend.chat(extract_messages(question, hits, sentences), params))
    return parse_picked(reply, sentences)


def picked_texts(hits: list[Hit], picked: list[Sentence]) -> dict[int, str]:
    """Each passage number with the picked sentences of that passage, in their order."""
    texts: dict[int, list[str]] = {}
    for s in picked:
        texts.setdefault(s.n, []).append(s.text(hits[s.n - 1]))
    return {n: " ".join(parts) for n, parts in texts.items()}


def picked_spans(picked: list[Sentence]) -> dict[int, tuple[int, int]]:
    """Each passage number with the span from its first picked sentence to its last (the highlight)."""
    spans: dict[int, tuple[int, int]] = {}
    for s in picked:
        start, end = spans.get(s.n, (s.start, s.end))
        spans[s.n] = (min(start, s.start), max(end, s.end))
    return spans
