"""What the agent knows about a data source: tables, columns, types, comments, keys, sample values."""

from __future__ import annotations

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
        lowered = name.lower()
        for t in self.tables:
            if t.name.lower() == lowered or t.name.lower().rsplit(".", 1)[-1] == lowered:
                return t
        return None

    @property
    def table_names(self) -> list[str]:
        return [t.name for t in self.tables]

    def sqlglot_mapping(self) -> dict:
        """{table: {column: type}}, or {schema: {table: ...}} when some tables live outside the default."""
        nested = any("." in t.name for t in self.tables)
        mapping: dict = {}
        for t in self.tables:
            columns = {c.name: c.type or "UNKNOWN" for c in t.columns}
            if nested:
                db, _, name = t.name.rpartition(".")
                mapping.setdefault(db or DEFAULT_SCHEMA[self.dialect], {})[name] = columns
            else:
                mapping[t.name] = columns
        return mapping

    def neighbours(self, name: str) -> set[str]:
        """Tables joined to `name` by a foreign key, in either direction."""
        found: set[str] = set()
        lowered = name.lower()
        for t in self.tables:
            for fk in t.foreign_keys:
                if t.name.lower() == lowered:
                    found.add(fk.ref_table)
                elif fk.ref_table.lower() == lowered:
                    found.add(t.name)
        return found


def quote_sample(value: object) -> str:
    """A sample value as a short, single-line SQL string literal, so it reads as data in a prompt."""
    text = " ".join(str(value).split())
    if len(text) > SAMPLE_VALUE_MAX_CHARS:
        text = text[: SAMPLE_VALUE_MAX_CHARS - 1] + "…"
    return "'" + text.replace("'", "''") + "'"
