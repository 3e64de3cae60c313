"""Few-shot examples for an evaluation item: the other items on the same database, standing in for
the verified queries a semantic model would hold. An item never sees its own gold SQL: items with the
same gold query or a near-identical question are left out of its pool. Also the verified queries a
user would have saved after checking the model's answers to the first half of a suite."""

from __future__ import annotations

import dataclasses
from difflib import SequenceMatcher
from pathlib import Path

from ..generation.extract import normalised_sql
from ..schema import Schema
from ..semantic.draft import draft_semantic_model
from ..semantic.model import SemanticModel, VerifiedQuery, model_from_data, normalise_question
from .suites import EvalItem

NEAR_DUPLICATE = 0.9


def example_model(item: EvalItem, items: list[EvalItem]) -> SemanticModel:
    """A semantic model holding only verified queries: the item's pool of examples."""
    asked = normalise_question(item.question)
    own_gold = {normalised_sql(g) for g in item.gold}
    pool = []
    for other in items:
        if other.db_path != item.db_path or other.key == item.key:
            continue
        if own_gold & {normalised_sql(g) for g in other.gold}:
            continue
        if SequenceMatcher(None, asked, normalise_question(other.question)).ratio() >= NEAR_DUPLICATE:
            continue
        pool.append(VerifiedQuery(other.key, other.question, other.gold[0]))
    return SemanticModel(item.db_path.stem, verified_queries=tuple(pool))


def verified_models(first_half: list[EvalItem], records: list[dict]) -> dict[Path, SemanticModel]:
    """For each first-half item the details `records` mark correct, its question and the SQL the
    model wrote, as a verified query of the item's database (what a user who checked them saves)."""
    written = {
        r["key"]: r["attempts"][-1]["sql"]
        for r in records
        if r.get("correct_final") and r.get("attempts") and r["attempts"][-1].get("sql")
    }
    by_database: dict[Path, list[VerifiedQuery]] = {}
    for item in first_half:
        if item.key in written:
            by_database.setdefault(item.db_path, []).append(
                VerifiedQuery(item.key, item.question, written[item.key])
            )
    return {db: SemanticModel(db.stem, verified_queries=tuple(qs)) for db, qs in by_database.items()}


def drafted_model(schema: Schema, name: str) -> SemanticModel:
    """The semantic model the app drafts for a source nobody has described (semantic_store)."""
    return model_from_data(draft_semantic_model(schema, name))


def with_queries_of(draft: SemanticModel, queries: SemanticModel | None) -> SemanticModel:
    """The draft holding the examples or verified queries of `queries`."""
    return dataclasses.replace(draft, verified_queries=queries.verified_queries if queries else ())
