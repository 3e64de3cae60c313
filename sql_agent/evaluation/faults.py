"""Deterministic, seeded faults injected into gold SQL, and an oracle that repairs only from the
error message: together they measure validation and repair without a strong model."""

from __future__ import annotations

import random
import re
import zlib

import sqlglot
from sqlglot import exp

from ..schema import Schema

FAULT_KINDS = ("misspelled_column", "wrong_table", "missing_qualifier", "foreign_function")


def inject_fault(sql: str, schema: Schema, dialect: str, seed: int, item_key: str) -> tuple[str, str]:
    """Returns (faulty SQL, fault kind). Kinds that do not apply to a query fall through to the next."""
    rng = random.Random(seed * 1_000_003 + zlib.crc32(item_key.encode()))
    kinds = list(FAULT_KINDS)
    start = rng.randrange(len(kinds))
    tree = sqlglot.parse_one(sql, read=dialect)
    for kind in kinds[start:] + kinds[:start]:
        faulty = FAULTS[kind](tree.copy(), schema, rng)
        if faulty is not None:
            return faulty.sql(dialect=dialect), kind
    return sql, "none"


def _schema_columns(tree, schema: Schema) -> list[exp.Column]:
    tables = [schema.table(t.name) for t in tree.find_all(exp.Table) if isinstance(t.this, exp.Identifier)]
    names = {c.name.lower() for t in tables if t for c in t.columns}
    return [c for c in tree.find_all(exp.Column) if c.name.lower() in names and len(c.name) > 3]


def misspelled_column(tree, schema, rng):
    columns = _schema_columns(tree, schema)
    if not columns:
        return None
    target = rng.choice(columns).name
    i = rng.randrange(1, len(target) - 1)
    typo = (
        target[:i] + target[i + 1] + target[i] + target[i + 2 :]
        if target[i] != target[i + 1]
        else target[:i] + target[i + 1 :]
    )
    for col in tree.find_all(exp.Column):
        if col.name == target:
            col.set("this", exp.to_identifier(typo))
    return tree


def wrong_table(tree, schema, rng):
    tables = [
        t for t in tree.find_all(exp.Table) if isinstance(t.this, exp.Identifier) and schema.table(t.name)
    ]
    if not tables:
        return None
    target = rng.choice(tables).name
    wrong = target[:-1] if target.endswith("s") else target + "s"
    if schema.table(wrong):
        return None
    for t in tree.find_all(exp.Table):
        if t.name == target:
            t.set("this", exp.to_identifier(wrong))
            if not t.alias:
                t.set("alias", exp.TableAlias(this=exp.to_identifier(target)))  # keep qualified refs valid
    return tree


def missing_qualifier(tree, schema, rng):
    sources = [schema.table(t.name) for t in tree.find_all(exp.Table) if isinstance(t.this, exp.Identifier)]
    sources = [s for s in sources if s]
    if len(sources) < 2:
        return None
    candidates = [
        c for c in tree.find_all(exp.Column) if c.table and sum(1 for s in sources if s.column(c.name)) >= 2
    ]
    if not candidates:
        return None
    rng.choice(candidates).set("table", None)
    return tree


def foreign_function(tree, schema, rng):
    """Wrap a projection in Snowflake's IFF(): a function DuckDB does not have."""
    if schema.dialect != "duckdb" or not isinstance(tree, exp.Select) or not tree.expressions:
        return None
    projection = tree.expressions[0]
    if isinstance(projection, exp.Star) or projection.find(exp.Star) and not projection.find(exp.Count):
        return None
    inner = projection.this if isinstance(projection, exp.Alias) else projection
    wrapped = exp.Anonymous(
        this="IFF", expressions=[exp.Is(this=inner.copy(), expression=exp.Null()), exp.Null(), inner.copy()]
    )
    alias = projection.alias if isinstance(projection, exp.Alias) else inner.output_name or "value"
    projection.replace(exp.alias_(wrapped, alias or "value"))
    return tree


FAULTS = {
    "misspelled_column": misspelled_column,
    "wrong_table": wrong_table,
    "missing_qualifier": missing_qualifier,
    "foreign_function": foreign_function,
}

SUGGESTION = re.compile(r"no (?:column|table|function) named (\S+?)[ .].*?Did you mean ([^\s,?]+)", re.S)
QUALIFY = re.compile(r"The column (\S+) is in more than one table of this query; qualify it as (\w+\.\w+)")


class RepairOracle:
    """Plays the model: first the faulty SQL, then edits that follow the error's suggestion only."""

    def __init__(self, faulty_sql: str):
        self.sql = faulty_sql

    def __call__(self, messages, **options) -> str:
        last = messages[-1].content
        if messages[-1].role == "user" and ("did not work" in last or "\nError: " in last):
            # a chat repair ("That query did not work: ...") or a fresh one ("... failed ... Error: ...")
            self.sql = self._apply(last.rsplit("\nError: ", 1)[-1])
        return f"```sql\n{self.sql}\n```"

    def _apply(self, error: str) -> str:
        if m := SUGGESTION.search(error):
            wrong, right = m.group(1), m.group(2).split(".")[-1]
            return re.sub(rf"\b{re.escape(wrong)}\b", right, self.sql)
        if m := QUALIFY.search(error):
            name, qualified = m.group(1), m.group(2)
            return re.sub(rf"(?<![.\w]){re.escape(name)}\b", qualified, self.sql)
        return self.sql
