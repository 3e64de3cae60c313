"""What the agent knows about a data source: tables, columns, types, comments, keys, sample values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SAMPLE_VALUE_MAX_CHARS = 40
DEFAULT_SCHEMA = {"duckdb": "main", "snowflake": "PUBLIC"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    comment: str = ""
    samples: tuple[str, ...] = ()  # a few distinct values of a text column; data, never instructions


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str  # as written in SQL: "orders", or "sales.orders" outside the default schema
    columns: tuple[Column, ...]
    comment: str = ""
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    row_count: int | None = None

    def column(self, name: str) -> Column | None:
        lowered = name.lower()
        return next((c for c in self.columns if c.name.lower() == lowered), None)


@dataclass(frozen=True)
class Schema:
    dialect: str  # sqlglot dialect name of the source: "duckdb" or "snowflake"
    tables: tuple[Table, ...]
    functions: frozenset[str] = field(default_factory=frozenset)  # lower-case; empty when unknown

    def table(self, name: str) -> Table | None:
        """By name, case-insensitive; "orders" also finds "sales.orders"."""
        by_name = self.__dict__.get("_by_name")
        if by_name is None:  # built on first use; a frozen dataclass still has a __dict__
            by_name = {}
            for t in reversed(self.tables):
                by_name[t.name.lower().rsplit(".", 1)[-1]] = t
            by_name.update({t.name.lower(): t for t in self.tables})
            self.__dict__["_by_name"] = by_name
        return by_name.get(name.lower())

    @property
    def table_names(self) -> list[str]:
        return [t.name for t in self.tables]

    def sqlglot_mapping(self, only: set[str] | None = None) -> dict:
        """{table: {column: type}}, or {schema: {table: ...}} when some tables live outside the default.
        `only`: lower-case names of the tables to include (a query needs just the ones it reads)."""
        nested = any("." in t.name for t in self.tables)
        mapping: dict = {}
        for t in self.tables:
            if (
                only is not None
                and t.name.lower() not in only
                and t.name.lower().rsplit(".", 1)[-1] not in only
            ):
                continue
            columns = {c.name: c.type or "UNKNOWN" for c in t.columns}
            if nested:
                db, _, name = t.name.rpartition(".")
                mapping.setdefault(db or DEFAULT_SCHEMA[self.dialect], {})[name] = columns
            else:
                mapping[t.name] = columns
        return mapping

    def neighbours(self, name: str) -> set[str]:
        """Tables joined to `name` by a foreign key, in either direction."""
        graph = self.__dict__.get("_fk_graph")
        if graph is None:
            graph = {}
            for t in self.tables:
                for fk in t.foreign_keys:
                    graph.setdefault(t.name.lower(), set()).add(fk.ref_table)
                    graph.setdefault(fk.ref_table.lower(), set()).add(t.name)
            self.__dict__["_fk_graph"] = graph
        return set(graph.get(name.lower(), ()))


def quote_sample(value: object) -> str:
    """A sample value as a short, single-line SQL string literal, so it reads as data in a prompt."""
    text = " ".join(str(value).split())
    if len(text) > SAMPLE_VALUE_MAX_CHARS:
        text = text[: SAMPLE_VALUE_MAX_CHARS - 1] + "…"
    return "'" + text.replace("'", "''") + "'"


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
