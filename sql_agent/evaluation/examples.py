"""Few-shot examples for an evaluation item: the other items on the same database, standing in for
the verified queries a semantic model would hold. An item never sees its own gold SQL: items with the
same gold query or a near-identical question are left out of its pool."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from ..semantic import SemanticModel, VerifiedQuery, normalise_question
from .suites import EvalItem

NEAR_DUPLICATE = 0.9


def example_model(item: EvalItem, items: list[EvalItem]) -> SemanticModel:
    """A semantic model holding only verified queries: the item's pool of examples."""
    asked = normalise_question(item.question)
    own_gold = {_normalise_sql(g) for g in item.gold}
    pool = []
    for other in items:
        if other.db_path != item.db_path or other.key == item.key:
            continue
        if own_gold & {_normalise_sql(g) for g in other.gold}:
            continue
        if SequenceMatcher(None, asked, normalise_question(other.question)).ratio() >= NEAR_DUPLICATE:
            continue
        pool.append(VerifiedQuery(other.key, other.question, other.gold[0]))
    return SemanticModel(item.db_path.stem, verified_queries=tuple(pool))


def _normalise_sql(sql: str) -> str:
    return re.sub(r"\s+", " ", sql.strip().rstrip(";")).lower()
