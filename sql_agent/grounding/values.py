"""A bounded index of the values a source's text columns hold, built with ordinary queries through the
source's own sandbox (or Snowflake's statement timeout), so a question's words can be matched to real
values and a query's literals checked against them.

Caps keep it small whatever the source: so many text columns, so many values per column (the most
frequent first, so a large table gives its common values), no long free text, and a total. What the
caps leave out is said in `skipped`; a column whose every distinct value fits is `complete`, and only
a complete column can prove a literal absent.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..schema import Schema, words_of

TEXT_TYPES = ("VARCHAR", "TEXT", "STRING", "CHAR", "NVARCHAR", "NCHAR")


@dataclass(frozen=True)
class IndexCaps:
    max_columns: int = 200  # text columns indexed, in schema order
    values_per_column: int = 1000  # the most frequent distinct values of each
    max_value_chars: int = 60  # longer values are free text, not names a question would use
    max_values: int = 200_000  # across the whole source


@dataclass(frozen=True)
class ColumnValues:
    table: str
    column: str
    values: tuple[str, ...]
    complete: bool  # every distinct value is here: a literal not among them is not in the column


def normalise(text: str) -> str:
    """Case, accents and punctuation set aside: 'Zürich' and 'zurich', 'St. Louis' and 'st louis'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain.casefold()).split())


@dataclass
class ValueIndex:
    columns: dict[tuple[str, str], ColumnValues] = field(default_factory=dict)  # (table, column) lower
    skipped: list[str] = field(default_factory=list)  # what the caps or failures left out, for people
    build_s: float = 0.0
    by_normal: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # -> (table, col, value)
    # the words of the schema's table and column names: a question word among them names the table
    # or column ("orders", "status"), not a value that happens to be spelled the same
    schema_words: frozenset[str] = frozenset()

    def add(self, values: ColumnValues) -> None:
        self.columns[(values.table.lower(), values.column.lower())] = values
        for value in values.values:
            self.by_normal.setdefault(normalise(value), []).append((values.table, values.column, value))

    def column(self, table: str, column: str) -> ColumnValues | None:
        return self.columns.get((table.lower(), column.lower()))

    @property
    def value_count(self) -> int:
        return sum(len(c.values) for c in self.columns.values())

    def describe(self) -> str:
        """One line for people: what was indexed and what was left out."""
        text = (
            f"{self.value_count:,} values of {len(self.columns)} text columns indexed in {self.build_s:.1f} s"
        )
        return text + (f"; {'; '.join(self.skipped)}" if self.skipped else "")


def text_columns(schema: Schema) -> list[tuple[str, str]]:
    return [
        (t.name, c.name) for t in schema.tables for c in t.columns if c.type.upper().startswith(TEXT_TYPES)
    ]


def schema_words(schema: Schema) -> frozenset[str]:
    names = [t.name.rsplit(".", 1)[-1] for t in schema.tables] + [
        c.name for t in schema.tables for c in t.columns
    ]
    return frozenset(w for name in names for w in words_of(name))


def build_value_index(source, caps: IndexCaps | None = None) -> ValueIndex:
    """Index `source`'s text columns within `caps`, one bounded query per column through the source's
    own run (sandboxed and timed). A column whose query fails is skipped and named; nothing raises."""
    caps = caps or IndexCaps()
    started = time.perf_counter()
    index = ValueIndex(schema_words=schema_words(source.schema))
    columns = text_columns(source.schema)
    if len(columns) > caps.max_columns:
        index.skipped.append(
            f"{len(columns) - caps.max_columns} text columns past the first {caps.max_columns}"
        )
        columns = columns[: caps.max_columns]
    failed = []
    by_table: dict[str, list[str]] = {}
    for table, column in columns:
        by_table.setdefault(table, []).append(column)
    for table, names in by_table.items():
        if index.value_count >= caps.max_values:
            index.skipped.append(f"tables from {table} on: the index holds {caps.max_values:,} values")
            break
        try:
            long_counts = _long_value_counts(source, table, names, caps)
        except Exception as err:  # a permission, timeout or type the engine refuses: go on without it
            failed.append(f"{table} ({type(err).__name__})")
            continue
        for column, long_ones in zip(names, long_counts, strict=True):
            try:
                index.add(_column_values(source, table, column, caps, long_ones))
            except Exception as err:
                failed.append(f"{table}.{column} ({type(err).__name__})")
    if failed:
        index.skipped.append("not readable: " + ", ".join(failed[:5]) + (" …" if len(failed) > 5 else ""))
    index.build_s = time.perf_counter() - started
    return index


def _long_value_counts(source, table: str, columns: list[str], caps: IndexCaps) -> list[int]:
    """How many values of each column are too long to index: one scan of the table for all of them."""
    q = _quote
    counts = ", ".join(
        f"sum(CASE WHEN length({q(c)}) > {caps.max_value_chars} THEN 1 ELSE 0 END)" for c in columns
    )
    row = source.run(f"SELECT {counts} FROM {_table_name(table)}", 1).rows[0]
    return [int(v or 0) for v in row]


def _column_values(source, table: str, column: str, caps: IndexCaps, long_ones: int) -> ColumnValues:
    q = _quote
    limit = caps.values_per_column + 1  # one more tells whether the column has more
    sql = (
        f"SELECT {q(column)} AS v, count(*) AS n FROM {_table_name(table)} "
        f"WHERE {q(column)} IS NOT NULL AND length({q(column)}) <= {caps.max_value_chars} "
        f"GROUP BY {q(column)} ORDER BY n DESC, v LIMIT {limit}"
    )
    result = source.run(sql, limit)
    values = tuple(str(row[0]) for row in result.rows[: caps.values_per_column])
    complete = len(result.rows) <= caps.values_per_column and not long_ones
    return ColumnValues(table, column, values, complete)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_name(table: str) -> str:
    return ".".join(_quote(part) for part in table.split("."))


def source_fingerprint(source) -> str:
    """Changes when the source's data may have: a DuckDB file's size and time, else its schema."""
    path = getattr(source, "path", None)
    if path is not None:
        try:
            stat = Path(path).stat()
            return f"{stat.st_size}:{stat.st_mtime_ns}"
        except OSError:
            return "missing"
    return str(hash(repr(source.schema)))


class IndexBuilder:
    """Builds a source's value index on a background thread, so no question waits for it: `index` is
    None until it is ready (or `error` says why it could not be built)."""

    def __init__(self, source, caps: IndexCaps | None = None):
        self.index: ValueIndex | None = None
        self.error = ""
        self._thread = threading.Thread(
            target=self._build, args=(source, caps), name="floe-values", daemon=True
        )
        self._thread.start()

    def _build(self, source, caps) -> None:
        try:
            self.index = build_value_index(source, caps)
        except Exception as err:  # the pipeline works without it; the page says why
            self.error = f"the value index could not be built ({type(err).__name__}: {err})"[:300]

    def wait(self, timeout_s: float | None = None) -> ValueIndex | None:
        self._thread.join(timeout_s)
        return self.index
