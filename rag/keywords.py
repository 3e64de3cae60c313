"""Keyword terms for BM25: lower-cased words, English stop words dropped, Snowball-stemmed; and how well
document titles match a question."""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not of off on once only or other our ours ourselves out over own same she should so some
    such than that the their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your yours
    yourself yourselves""".split()  # noqa: SIM905 (a word list reads better as prose)
)
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def terms(text: str) -> Counter:
    """Term frequencies of `text`, as BM25 sees them."""
    return Counter(_stem(w) for w in _WORD.findall(text.lower()) if w not in STOP_WORDS and len(w) < 40)


def title_scores(query: str, titles: dict[str, str]) -> dict[str, float]:
    """How well each document's title matches the question: Okapi BM25 over the titles alone, scaled so
    the best is 1. Of two titles that share the question's words, the one with fewer other words
    ("Handbook" rather than "Handbook: draft revision") scores higher; a word every title has counts little."""
    if not titles:
        return {}
    query_terms = set(terms(query))
    title_terms = {name: terms(title) for name, title in titles.items()}
    n = len(title_terms)
    avg_len = sum(sum(t.values()) for t in title_terms.values()) / n or 1.0
    df = Counter(term for t in title_terms.values() for term in t)
    scores = {}
    for name, counts in title_terms.items():
        length = sum(counts.values())
        score = 0.0
        for term in query_terms & counts.keys():
            idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            tf = counts[term]
            score += idf * tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * length / avg_len))
        scores[name] = score
    best = max(scores.values())
    return {name: score / best if best > 0 else 0.0 for name, score in scores.items()}


_K1, _B = 1.2, 0.75  # BM25's usual constants, as the chunk index uses them
