"""A query's text literals checked against the values of the columns they are compared with:
`state_name = 'Texas'` where the column holds 'texas' is caught before it runs, with the variant named,
instead of returning no rows that Floe would present as the answer."""

from __future__ import annotations

import sqlglot
from rapidfuzz import fuzz, process
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ..safety.validate import tables_by_alias, tables_read
from ..schema import Schema
from .values import ColumnValues, ValueIndex, normalise

CLOSE = 85  # RapidFuzz ratio of the normalised texts: 'Pensylvania' and 'Pennsylvania'


def literal_notes(
    sql: str, dialect: str, schema: Schema, index: ValueIndex | None, proven: bool
) -> list[str]:
    """One note per literal that is not a value of its column but is close to some: `proven` takes
    only columns the index holds whole (the literal cannot be there), otherwise any indexed column
    (for a query that returned no rows)."""
    notes: list[str] = []
    for literal, values in _compared_values(sql, dialect, schema, index):
        if (proven and not values.complete) or literal in values.values:
            continue
        variants = close_variants(literal, values.values)
        note = (
            f"'{literal}' is not a value of {values.table}.{values.column}; "
            f"it holds {', '.join(repr(v) for v in variants)}."
        )
        if variants and note not in notes:
            notes.append(note)
    return notes


def ungrounded_literals(sql: str, dialect: str, schema: Schema, index: ValueIndex | None) -> list[str]:
    """The text literals a query compares with a column the index holds whole and that does not hold
    them (whether or not something close is there): a sign the answer may be empty or wrong."""
    return [
        literal
        for literal, values in _compared_values(sql, dialect, schema, index)
        if values.complete and literal not in values.values
    ]


def _compared_values(sql: str, dialect: str, schema: Schema, index: ValueIndex | None):
    """(text literal, the indexed values of the column it is compared with) for each comparison."""
    if index is None or not index.columns:
        return
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return
    aliases, read = tables_by_alias(tree, schema), tables_read(tree, schema)
    for column, literals in _comparisons(tree):
        values = _column_values(column, aliases, read, index)
        if values is not None:
            for literal in literals:
                yield literal, values


def close_variants(literal: str, values: tuple[str, ...], most: int = 3) -> list[str]:
    """The column's values that differ from `literal` only in case, accents, punctuation or spelling."""
    wanted = normalise(literal)
    same = [v for v in values if normalise(v) == wanted]
    if same:
        return same[:most]
    best = process.extract(
        wanted, [normalise(v) for v in values], scorer=fuzz.ratio, score_cutoff=CLOSE, limit=most
    )
    return [values[i] for _, _, i in best]


def _comparisons(tree: exp.Expression):
    """(column, [text literals]) for `col = 'x'`, `'x' = col`, `col <> 'x'` and `col IN ('x', 'y')`."""
    for node in tree.find_all(exp.EQ, exp.NEQ, exp.In):
        if isinstance(node, exp.In):
            literals = [e.this for e in node.expressions if isinstance(e, exp.Literal) and e.is_string]
            if isinstance(node.this, exp.Column) and literals:
                yield node.this, literals
            continue
        left, right = node.left, node.right
        if isinstance(right, exp.Column) and isinstance(left, exp.Literal):
            left, right = right, left
        if isinstance(left, exp.Column) and isinstance(right, exp.Literal) and right.is_string:
            yield left, [right.this]


def _column_values(column: exp.Column, aliases, read, index: ValueIndex) -> ColumnValues | None:
    if column.table:
        found = aliases.get(column.table.lower())
        return index.column(found[1].name, column.name) if found else None
    owners = [t for t in read if t.column(column.name)]
    return index.column(owners[0].name, column.name) if len(owners) == 1 else None
