"""Schema linking: choose the tables a question needs and fit their description into a token budget.

Small schemas go in whole. Large ones are ranked by keyword overlap with the question (names,
comments, sample values, semantic-model synonyms) and completed with foreign-key neighbours so the
joins between chosen tables are visible.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .prompts import render_table
from .schema import Schema, Table

DEFAULT_TOKEN_BUDGET = 3000


@dataclass(frozen=True)
class SchemaSlice:
    tables: tuple[str, ...]
    text: str
    tokens: int
    whole_schema: bool


def estimate_tokens(text: str) -> int:
    return (len(text) + 3) // 4


def words_of(text: str) -> set[str]:
    """Lower-case words with a crude singular form, split on non-letters and snake/camel case."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    found = set()
    for word in re.findall(r"[a-zA-Z][a-zA-Z0-9]*", text.replace("_", " ")):
        word = word.lower()
        found.add(word)
        if len(word) > 3 and word.endswith("ies"):
            found.add(word[:-3] + "y")
        elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            found.add(word[:-1])
    return found


def link_schema(
    question: str,
    schema: Schema,
    token_budget: int = DEFAULT_TOKEN_BUDGET,
    synonyms: dict[str, set[str]] | None = None,
    count_tokens: Callable[[str], int] = estimate_tokens,
) -> SchemaSlice:
    rendered = {t.name: render_table(t) for t in schema.tables}
    whole = "\n\n".join(rendered.values())
    whole_tokens = count_tokens(whole)
    if whole_tokens <= token_budget:
        return SchemaSlice(tuple(rendered), whole, whole_tokens, True)

    ranked = rank_tables(question, schema, synonyms or {})
    chosen: list[str] = []
    used = 0
    for name in ranked:
        cost = count_tokens(rendered[name]) + 1
        if used + cost > token_budget:
            continue  # a smaller table further down may still fit
        chosen.append(name)
        used += cost
    text = "\n\n".join(rendered[n] for n in chosen)
    return SchemaSlice(tuple(chosen), text, count_tokens(text), False)


def rank_tables(question: str, schema: Schema, synonyms: dict[str, set[str]]) -> list[str]:
    """Matched tables by score, each followed by its foreign-key neighbours; unmatched tables never."""
    asked = words_of(question)
    scores = {t.name: _score(t, asked, synonyms.get(t.name, set())) for t in schema.tables}
    matched = sorted((n for n, s in scores.items() if s > 0), key=lambda n: -scores[n])
    ordered: list[str] = []
    for name in matched:
        if name not in ordered:
            ordered.append(name)
    # neighbours after all direct matches: they bridge joins but are less likely to be needed
    for name in matched[:8]:
        for neighbour in sorted(schema.neighbours(name)):
            if neighbour not in ordered and schema.table(neighbour):
                ordered.append(schema.table(neighbour).name)
    return ordered


def _score(table: Table, asked: set[str], synonyms: set[str]) -> float:
    score = 0.0
    name_words = words_of(table.name)
    if name_words and name_words <= asked | {"tbl", "table"}:
        score += 5
    score += 2 * len(name_words & asked)
    for syn in synonyms:
        if words_of(syn) and words_of(syn) <= asked:
            score += 3
    column_hits = 0
    for col in table.columns:
        col_words = words_of(col.name) - {"id"}
        if col_words and col_words <= asked:
            column_hits += 1
        elif col_words & asked:
            column_hits += 0.3
        for sample in col.samples:
            if words_of(sample) and words_of(sample) <= asked:
                column_hits += 1
                break
    score += min(column_hits, 6)
    score += 0.5 * len(words_of(table.comment) & asked - STOP)
    return score


STOP = {"the", "of", "and", "for", "with", "each", "per", "one", "row", "what", "which", "how", "many"}
