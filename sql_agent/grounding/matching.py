"""The words of a question that are values of the source: exact once case, accents and punctuation are
set aside, or within a small spelling difference (RapidFuzz's ratio), longest phrases first."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from ..schema import words_of
from .values import ValueIndex, normalise

MAX_WORDS = 4  # the longest phrase looked up ("new york city hall")
CLOSE = 88  # RapidFuzz ratio for a misspelling: 'Pensylvania' and 'pennsylvania'
MOST = 8  # matches given to the model; more would crowd the prompt
# Words that make questions, not values: a column holding 'Total' or 'Average' must not match them.
QUESTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "with",
        "from",
        "and",
        "or",
        "not",
        "no",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "many",
        "much",
        "more",
        "most",
        "less",
        "least",
        "all",
        "any",
        "each",
        "every",
        "per",
        "than",
        "that",
        "this",
        "these",
        "those",
        "there",
        "their",
        "them",
        "they",
        "it",
        "its",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "show",
        "list",
        "give",
        "find",
        "get",
        "return",
        "count",
        "number",
        "total",
        "sum",
        "average",
        "mean",
        "min",
        "max",
        "top",
        "bottom",
        "first",
        "last",
        "between",
        "during",
        "over",
        "under",
        "about",
        "into",
        "out",
        "up",
        "down",
        "only",
        "also",
        "just",
        "as",
        "if",
        "then",
        "else",
        "same",
        "other",
    ]
)


@dataclass(frozen=True)
class ValueMatch:
    phrase: str  # the question's words, as asked
    table: str
    column: str
    value: str  # as stored
    exact: bool  # False: a close spelling

    def note(self) -> str:
        """For the model: "'texas' is a value of state.state_name"."""
        return f"'{self.value}' is a value of {self.table}.{self.column}"

    def shown(self) -> str:
        """For people: "Texas → state.state_name = 'texas'"."""
        return f"{self.phrase} → {self.table}.{self.column} = '{self.value}'"


def match_values(question: str, index: ValueIndex | None, most: int = MOST) -> list[ValueMatch]:
    if index is None or not index.by_normal:
        return []
    words = question.split()
    normal = [normalise(w) for w in words]
    taken = [False] * len(words)
    found: list[ValueMatch] = []
    for size in range(MAX_WORDS, 0, -1):
        for start in range(len(words) - size + 1):
            span = range(start, start + size)
            if any(taken[i] for i in span):
                continue
            key = " ".join(n for n in (normal[i] for i in span) if n)
            asked = " ".join(words[i] for i in span)
            if not _worth_looking_up(key, asked) or words_of(asked) <= index.schema_words:
                continue
            hits = [(*hit, True) for hit in index.by_normal.get(key, [])]
            if not hits and size <= 2 and len(key) >= 5:
                hits = [(*hit, False) for hit in _close(key, index)]
            if hits:
                phrase = " ".join(words[i] for i in span).strip("?,.!;:'\"")
                found += [ValueMatch(phrase, t, c, v, exact) for t, c, v, exact in hits]
                for i in span:
                    taken[i] = True
    found.sort(key=lambda m: (not m.exact, -len(m.phrase)))
    return found[:most]


def _worth_looking_up(key: str, asked: str) -> bool:
    tokens = key.split()
    if not tokens or key.isdigit() or all(t in QUESTION_WORDS for t in tokens):
        return False
    return len(key) >= 3 or (len(key) == 2 and asked.strip("?,.!;:'\"").isupper())  # 'NY', 'US'


def _close(key: str, index: ValueIndex) -> list[tuple[str, str, str]]:
    lengths = _by_length(index)
    nearby = [normal for n in range(len(key) - 2, len(key) + 3) for normal in lengths.get(n, ())]
    best = process.extract(key, nearby, scorer=fuzz.ratio, score_cutoff=CLOSE, limit=3)
    return [hit for normal, _score, _ in best for hit in index.by_normal[normal]]


def _by_length(index: ValueIndex) -> dict[int, list[str]]:
    """The index's normalised values by length, made once per index (fuzzy matching looks only near)."""
    cached = index.__dict__.get("_by_length")
    if cached is None:
        cached = {}
        for normal in index.by_normal:
            cached.setdefault(len(normal), []).append(normal)
        index.__dict__["_by_length"] = cached
    return cached
