"""Names that are DuckDB keywords, written unquoted (`JOIN inventory_snapshots AS is`): sqlglot reads
them as names, DuckDB's parser does not ("syntax error at or near is"). Quoting them changes nothing
else, since DuckDB matches quoted names without regard to case as it does unquoted ones."""

from __future__ import annotations

import functools

import duckdb
from sqlglot import exp

# Keywords DuckDB cannot take as a bare name; "unreserved" and "column_name" ones it can
UNUSABLE_CATEGORIES = ("reserved", "type_function")


@functools.cache
def duckdb_keywords() -> frozenset[str]:
    with duckdb.connect() as conn:
        rows = conn.execute(
            "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category IN (?, ?)", UNUSABLE_CATEGORIES
        ).fetchall()
    return frozenset(name.lower() for (name,) in rows)


def quote_keyword_names(tree: exp.Expression) -> exp.Expression:
    """`tree` with every unquoted name that is a DuckDB keyword quoted; the same tree when none is."""
    keywords = duckdb_keywords()
    if not any(not i.quoted and i.name.lower() in keywords for i in tree.find_all(exp.Identifier)):
        return tree
    tree = tree.copy()
    for identifier in tree.find_all(exp.Identifier):
        if not identifier.quoted and identifier.name.lower() in keywords:
            identifier.set("quoted", True)
    return tree
