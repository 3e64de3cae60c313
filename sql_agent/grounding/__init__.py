"""Grounding in the data: the values a source's text columns hold, matched to a question's words and
checked against a query's literals, so 'Texas' finds the column that holds 'texas'."""

from .literals import close_variants, literal_notes, ungrounded_literals
from .matching import ValueMatch, match_values
from .values import IndexBuilder, IndexCaps, ValueIndex, build_value_index, source_fingerprint

__all__ = [
    "IndexBuilder",
    "IndexCaps",
    "ValueIndex",
    "ValueMatch",
    "build_value_index",
    "close_variants",
    "literal_notes",
    "match_values",
    "source_fingerprint",
    "ungrounded_literals",
]
