"""Schema linking: choose the tables a question needs and fit their description into a token budget.

Small schemas go in whole. Large ones are ranked by keyword overlap with the question (names,
comments, sample values, semantic-model synonyms), joined by the tables most similar to it by
sentence embedding (similarity.py; skipped when the embedder cannot load), and completed with
foreign-key neighbours so the joins between chosen tables are visible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..schema import Schema, words_of
from .prompts import render_table
from .similarity import similarities

DEFAULT_TOKEN_BUDGET = 3000


@dataclass(frozen=True)
class SchemaSlice:
    tables: tuple[str, ...]
    text: str
    tokens: int
    whole_schema: bool


def estimate_tokens(text: str) -> int:
    return (len(text) + 3) // 4


@dataclass(frozen=True)
class _TableIndex:
    name: str
    text: str
    tokens: int
    name_words: frozenset[str]
    column_words: tuple[frozenset[str], ...]
    sample_words: tuple[tuple[frozenset[str], ...], ...]
    comment_words: frozenset[str]


def _index(schema: Schema, count_tokens: Callable[[str], int]) -> dict[str, _TableIndex]:
    """Per-table words and rendered text, computed once per schema: questions only pay for matching."""
    cache = schema.__dict__.setdefault("_link_index", {})  # a frozen dataclass still has a __dict__
    key = id(count_tokens)
    if key not in cache:
        entries = {}
        for t in schema.tables:
            text = render_table(t)
            entries[t.name] = _TableIndex(
                t.name,
                text,
                count_tokens(text),
                frozenset(words_of(t.name)),
                tuple(frozenset(words_of(c.name) - {"id"}) for c in t.columns),
                tuple(tuple(frozenset(words_of(v)) for v in c.samples) for c in t.columns),
                frozenset(words_of(t.comment) - STOP),
            )
        postings: dict[str, set[str]] = {}
        for e in entries.values():
            words = set(e.name_words) | e.comment_words
            words.update(w for cw in e.column_words for w in cw)
            words.update(w for samples in e.sample_words for sw in samples for w in sw)
            for w in words:
                postings.setdefault(w, set()).add(e.name)
        cache[key] = (entries, postings)
    return cache[key][0]


def _candidates(schema: Schema, asked: frozenset[str]) -> set[str]:
    """Tables sharing at least one word with the question (an inverted index: no full scan)."""
    postings = next(iter(schema.__dict__["_link_index"].values()))[1]
    # a word found in most tables ("status", "id") says nothing about which one the question means
    common = max(20, len(schema.tables) // 5)
    found: set[str] = set()
    for w in asked:
        tables = postings.get(w, set())
        if len(tables) <= common:
            found |= tables
    return found


def link_schema(
    question: str,
    schema: Schema,
    token_budget: int = DEFAULT_TOKEN_BUDGET,
    synonyms: dict[str, set[str]] | None = None,
    count_tokens: Callable[[str], int] = estimate_tokens,
    use_embeddings: bool = True,
) -> SchemaSlice:
    index = _index(schema, count_tokens)
    whole_tokens = sum(e.tokens + 1 for e in index.values())
    if whole_tokens <= token_budget:
        whole = "\n\n".join(e.text for e in index.values())
        return SchemaSlice(tuple(index), whole, count_tokens(whole), True)

    ranked = rank_tables(question, schema, synonyms or {}, index, use_embeddings)
    chosen: list[str] = []
    used = 0
    for name in ranked:
        cost = index[name].tokens + 1
        if used + cost > token_budget:
            continue  # a smaller table further down may still fit
        chosen.append(name)
        used += cost
    text = "\n\n".join(index[n].text for n in chosen)
    return SchemaSlice(tuple(chosen), text, count_tokens(text), False)


def rank_tables(
    question: str, schema: Schema, synonyms: dict[str, set[str]], index=None, use_embeddings: bool = True
) -> list[str]:
    """Tables matched by keyword (by score), then by embedding similarity, then their foreign-key
    neighbours; other tables never."""
    index = index or _index(schema, estimate_tokens)
    asked = frozenset(words_of(question) - QUESTION_VERBS)
    names = _candidates(schema, asked) | {n for n in synonyms if n in index}
    scores = {name: _score(index[name], asked, synonyms.get(name, set())) for name in names}
    matched = sorted((n for n, s in scores.items() if s > 0), key=lambda n: -scores[n])
    sims = similarities(question, schema, synonyms) if use_embeddings else None
    if sims:
        matched = _with_similar(matched, sims)
    ordered: list[str] = list(matched)
    seen = set(ordered)
    # neighbours after all direct matches: they bridge joins but are less likely to be needed
    bridges = _bridges(schema, matched[:8])
    for name in matched[:8]:
        for neighbour in sorted(schema.neighbours(name)) + bridges.get(name, []):
            table = schema.table(neighbour)
            if table and table.name not in seen:
                ordered.append(table.name)
                seen.add(table.name)
    return ordered


# How many of the most similar tables by embedding join the keyword matches. 20 gave the best recall
# on both suites (bench/sql_agent.py); 40 lost recall on defog as they crowd out FK neighbours.
EMBED_TOP = 20


def _with_similar(matched: list[str], sims: dict[str, float]) -> list[str]:
    """Keyword matches keep their order (exact words are the stronger signal), then the tables most
    similar by meaning that keywords missed ("shoppers" for customers), before FK neighbours."""
    taken = set(matched)
    similar = sorted(sims, key=lambda n: -sims[n])[:EMBED_TOP]
    return matched + [n for n in similar if n not in taken]


def _bridges(schema: Schema, chosen: list[str]) -> dict[str, list[str]]:
    """For each chosen table, tables without declared keys that link it to another chosen table
    through key-like columns of the same name (writes(aid, pid) between author(aid) and paper(pid)).
    Computed once per question: the holders of a common key column ("id") can be most tables."""
    keys = schema.__dict__.setdefault("_key_columns", {})
    if not keys:
        for t in schema.tables:
            for c in t.columns:
                if _key_like(c.name, t):
                    keys.setdefault(c.name.lower(), set()).add(t.name)
    links: dict[str, set[str]] = {}
    for other in chosen:
        other_table = schema.table(other)
        for c in other_table.columns if other_table else ():
            for holder in keys.get(c.name.lower(), ()):
                if holder not in chosen:
                    links.setdefault(holder, set()).add(other)
    shared = sorted(h for h, via in links.items() if len(via) >= 2)
    return {name: [h for h in shared if name in links[h]][:5] for name in chosen}


def _key_like(column: str, table) -> bool:
    lowered = column.lower()
    return (
        lowered.endswith("id")
        or lowered in {k.lower() for k in table.primary_key}
        or column == table.columns[0].name
    )


def _score(entry: _TableIndex, asked: frozenset[str], synonyms: set[str]) -> float:
    score = 0.0
    if entry.name_words and entry.name_words <= asked | {"tbl", "table"}:
        score += 5
    score += 2 * len(entry.name_words & asked)
    for syn in synonyms:
        words = words_of(syn)
        if words and words <= asked:
            score += 3
    column_hits = 0.0
    for col_words, samples in zip(entry.column_words, entry.sample_words, strict=False):
        if col_words and col_words <= asked:
            column_hits += 1
        elif col_words & asked:
            column_hits += 0.3
        if any(w and w <= asked for w in samples):
            column_hits += 1
    score += min(column_hits, 6)
    score += 0.5 * len(entry.comment_words & asked)
    return score


QUESTION_VERBS = {"return", "list", "show", "give", "find", "get", "display", "print", "tell", "make", "sure"}
STOP = {"the", "of", "and", "for", "with", "each", "per", "one", "row", "what", "which", "how", "many"}
