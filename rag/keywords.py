"""Keyword terms for BM25: lower-cased words, English stop words dropped, Snowball-stemmed."""

from __future__ import annotations

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
