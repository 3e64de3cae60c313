"""Repair notes for database errors about types and nesting, which a small model cannot read its way
out of: told "No function matches date_part(STRING_LITERAL, BIGINT)", it sends the same EXTRACT back.
Each note says what went wrong in the query's own terms (which column has which type) and the usual
way out in DuckDB. Like the other repair notes, these go to the model only.
"""

from __future__ import annotations

import re

from sqlglot import exp

from ..safety.validate import tables_by_alias
from ..schema import Schema, Table

NESTED_AGGREGATE = "aggregate function calls cannot be nested"
# struct(a => 1): named arguments as Postgres writes them; DuckDB blames "=>" or "struct"
UNKNOWN_FUNCTION = "Function with name"
NOT_GROUPED = re.compile(r'column "([^"]+)" must appear in the GROUP BY clause')
# DuckDB names the call it could not bind: 'date_part(STRING_LITERAL, BIGINT)', "-(INTEGER, INTERVAL)"
FAILED_CALL = re.compile(r"""(?:argument types|function call) ['"]([\w~!*+-]+)\(([^)]*)\)""")
TEXT_AGAINST_DATE = re.compile(r"Cannot (?:mix|compare) values of type (\w+) and (?:type )?(\w+)")
NOT_A_NUMBER = re.compile(
    r"Could not convert string '([^']*)' to (\w+)(?: when casting from source column (\w+))?"
)
DATE_LITERAL = re.compile(r"'(\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?)'")

# Date functions whose first argument names a part ('month'), so a string literal there is fine
DATE_PART_FUNCTIONS = {"date_part", "date_trunc", "date_diff", "datediff", "date_sub", "datesub", "date_add"}
DATE_NODES = (exp.Extract, exp.TimestampTrunc, exp.DateTrunc, exp.DateDiff, exp.TimestampDiff)
LIKE_OPERATORS = {"~~", "!~~", "~~*", "!~~*"}
NUMBER_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UBIGINT",
    "UINTEGER",
    "DOUBLE",
    "FLOAT",
    "REAL",
    "DECIMAL",
    "NUMERIC",
    "INT",
)
DATE_TYPES = ("DATE", "TIMESTAMP", "TIME")
TEXT_TYPES = ("VARCHAR", "TEXT", "STRING")
COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.In)


def error_notes(tree: exp.Expression, error: str, schema: Schema, read: list[Table]) -> list[str]:
    """Notes for `error`, raised by the database when it ran `tree`; empty when none apply."""
    columns = _ColumnTypes(tree, schema, read)
    notes = []
    if NESTED_AGGREGATE in error:
        notes.append(_nested_aggregate_note(tree, columns))
    call = FAILED_CALL.search(error)
    if call and "STRUCT" not in call.group(2):  # a whole row passed to a function: no column types to name
        args = [a.strip() for a in call.group(2).split(",")]
        notes += _call_notes(call.group(1).lower(), args, tree, columns)
    if (match := TEXT_AGAINST_DATE.search(error)) and _is(match.group(1) + " " + match.group(2), TEXT_TYPES):
        texts = columns.typed_in(tree, COMPARISONS, TEXT_TYPES)
        example = texts[0][0] if texts else "x"
        notes.append(
            f"Dates kept as text must be cast before they are compared with dates: "
            f"CAST({example} AS DATE){_listed(texts)}."
        )
    if match := NOT_A_NUMBER.search(error):
        notes += _not_a_number_notes(match.group(1), match.group(3), tree, columns)
    if match := NOT_GROUPED.search(error):
        notes.append(_not_grouped_note(match.group(1), tree))
    if UNKNOWN_FUNCTION in error and tree.find(exp.Kwarg):
        notes.append(
            "DuckDB has no => operator: a struct is written {'a': 1, 'b': 2}, and a named argument "
            "as name := value."
        )
    return notes


def _not_grouped_note(column: str, tree: exp.Expression) -> str:
    """Told to add a column to GROUP BY, the model adds one and meets the next ("speed", then
    "model"); GROUP BY ALL groups by every selected column that is not aggregated. With SELECT *
    beside an aggregate, the aggregated columns must leave the star (* EXCLUDE)."""
    grouped = next((s for s in tree.find_all(exp.Select) if s.args.get("group")), None)
    star = grouped and any(isinstance(p, exp.Star) for p in grouped.expressions)
    if star:
        measured = sorted({c.name for a in grouped.find_all(exp.AggFunc) for c in a.find_all(exp.Column)})
        if measured:
            names = ", ".join(measured)
            return (
                f"* selects every column, {names} included, and each would need grouping: select "
                f"* EXCLUDE ({names}) beside the aggregate, and write GROUP BY ALL to group by the rest."
            )
    return (
        f"{column} is selected but neither grouped nor aggregated. If the answer needs a row per "
        f"{column}, write GROUP BY ALL (it groups by every selected column that is not aggregated); "
        f"if it needs one value per group, aggregate it: MIN({column}), MAX({column})."
    )


def _not_a_number_notes(
    value: str, source: str | None, tree: exp.Expression, columns: _ColumnTypes
) -> list[str]:
    """Text met a number: a text column joined to a number column (DuckDB names the text one), or a
    number column compared with a word ('Dhaulagiri')."""
    for node in tree.find_all(*COMPARISONS):
        left, right = node.this, node.expression
        if source and isinstance(left, exp.Column) and isinstance(right, exp.Column):
            kinds = [columns.type_of(c) for c in (left, right)]
            if (
                source.lower() in (left.name.lower(), right.name.lower())
                and all(kinds)
                and kinds[0] != kinds[1]
            ):
                return [
                    f"{_sql(node)} compares different things ({_sql(left)} is {kinds[0]}, {_sql(right)} is "
                    f"{kinds[1]}, holding values such as '{value}'): join on columns that hold the same values."
                ]
        words = [lit for lit in node.find_all(exp.Literal) if lit.is_string and lit.this == value]
        numbers = [c for c in node.find_all(exp.Column) if _is(columns.type_of(c), NUMBER_TYPES)]
        if words and numbers:
            return [
                f"{_sql(numbers[0])} is {columns.type_of(numbers[0])}, a number, and '{value}' is text: "
                "compare the text with a text column, or the number with a number."
            ]
    return []


def _call_notes(name: str, args: list[str], tree: exp.Expression, columns: _ColumnTypes) -> list[str]:
    if name in LIKE_OPERATORS and _is(args[0], DATE_TYPES):
        dates = _listed(columns.typed_in(tree, (exp.Like, exp.ILike), DATE_TYPES))
        return [
            f"LIKE and ILIKE compare text{dates}. Compare dates with =, < or BETWEEN, or take a part "
            "with EXTRACT: EXTRACT(DOW FROM d) is 0 on Sunday and 6 on Saturday, EXTRACT(YEAR FROM d) the year."
        ]
    if name in ("-", "+") and "INTERVAL" in args and any(_is(a, NUMBER_TYPES) for a in args):
        numbers = _listed(columns.typed_in(tree, (exp.Add, exp.Sub), NUMBER_TYPES))
        return [
            f"An INTERVAL can be added to or subtracted from a DATE or TIMESTAMP only{numbers}. "
            "For a number such as a year, use numbers: EXTRACT(YEAR FROM CURRENT_DATE) - 2."
        ]
    given = args[1:] if name in DATE_PART_FUNCTIONS else args
    if name not in DATE_PART_FUNCTIONS and "INTERVAL" not in args:
        return []
    notes = []
    if "STRING_LITERAL" in given and (literal := DATE_LITERAL.search(_sql(tree))):
        day = literal.group(1)
        notes.append(
            f"A date written as text has no type there: write DATE '{day}' "
            f"(or TIMESTAMP '{day}'), not '{day}' alone."
        )
    if any(_is(a, NUMBER_TYPES) for a in given):
        notes.append(_number_as_date_note(tree, columns))
    if any(_is(a, TEXT_TYPES) for a in given):
        texts = _listed(columns.typed_in(tree, DATE_NODES, TEXT_TYPES))
        notes.append(
            f"Date functions and EXTRACT take a DATE or TIMESTAMP, and got text{texts}. Compare "
            "the text as it is (day = 'Monday'), or CAST it to DATE first when it holds dates."
        )
    return notes


def _number_as_date_note(tree: exp.Expression, columns: _ColumnTypes) -> str:
    note = "Date functions and EXTRACT take a DATE, TIMESTAMP or INTERVAL, and got a number."
    numbers = columns.typed_in(tree, DATE_NODES, NUMBER_TYPES)
    if numbers:
        note += (
            f"{_listed(numbers)[1:]}: a year kept as a number is used as it is (year = 2021); "
            "a UNIX time in seconds becomes a timestamp with TO_TIMESTAMP(x)."
        )
    differences = [
        sub
        for node in tree.find_all(*DATE_NODES)
        for sub in node.find_all(exp.Sub)
        if any(_is(kind, DATE_TYPES) for _, kind in columns.typed_in(sub, (exp.Sub,), DATE_TYPES))
        or sub.find(exp.CurrentDate)
    ]
    if differences:
        note += f" One DATE minus another is already a number of days: {_sql(differences[0])}."
    return note


class _ColumnTypes:
    """The type of each column the query names, through its aliases; unknown where ambiguous."""

    def __init__(self, tree: exp.Expression, schema: Schema, read: list[Table]):
        self.read = read
        self.by_alias = {alias: table for alias, (_, table) in tables_by_alias(tree, schema).items()}

    def table_of(self, column: exp.Column) -> Table | None:
        if column.table:
            table = self.by_alias.get(column.table.lower())
            return table if table and table.column(column.name) else None
        holders = [t for t in self.read if t.column(column.name)]
        return holders[0] if len(holders) == 1 else None

    def type_of(self, column: exp.Column) -> str:
        table = self.table_of(column)
        return table.column(column.name).type if table else ""

    def typed_in(
        self, tree: exp.Expression, kinds: tuple[type, ...], family: tuple[str, ...]
    ) -> list[tuple[str, str]]:
        """(column as written, its type) for the columns of a type `family` inside nodes of `kinds`."""
        found: dict[str, str] = {}
        for node in tree.find_all(*kinds):
            for column in node.find_all(exp.Column):
                kind = self.type_of(column)
                if kind and _is(kind, family):
                    found.setdefault(_sql(column), kind)
        return list(found.items())


def _nested_aggregate_note(tree: exp.Expression, columns: _ColumnTypes) -> str:
    inner = next(
        (
            inner
            for outer in tree.find_all(exp.AggFunc)
            for inner in outer.find_all(exp.AggFunc)
            if inner is not outer and not isinstance(outer.parent, exp.Window)
        ),
        None,
    )
    text = "An aggregate cannot contain another (COUNT(CASE WHEN COUNT(x) > 1 ...) fails)."
    counted = inner.find(exp.Column) if inner else None
    table = columns.table_of(counted) if counted else (columns.read[0] if columns.read else None)
    key = _group_key(table, counted.name if counted else "") if table else None
    if inner is None or table is None or key is None:
        return text + " Aggregate per group in a subquery first, then aggregate over the subquery's rows."
    per_group = inner.copy()
    for column in per_group.find_all(exp.Column):
        column.set("table", None)
    return (
        f"{text} Aggregate per group in a subquery first, then aggregate over its rows: "
        f"SELECT COUNT(CASE WHEN n > 1 THEN 1 END) FROM (SELECT {key}, {_sql(per_group)} AS n "
        f"FROM {table.name} GROUP BY {key}) AS per_{key}."
    )


def _group_key(table: Table, counted: str) -> str | None:
    """The column a per-group count most likely groups by: a key of the table other than the counted one."""
    keys = [
        c.name
        for c in table.columns
        if c.name.lower() != counted.lower()
        and (c.name in table.primary_key or c.name.lower().endswith("id"))
    ]
    return keys[0] if keys else None


def _sql(node: exp.Expression) -> str:
    return node.sql(dialect="duckdb")  # these notes answer DuckDB's errors; other dialects index lists from 0


def _listed(columns: list[tuple[str, str]]) -> str:
    """'; o.order_year is INTEGER, t.x is BIGINT', or nothing."""
    return "; " + ", ".join(f"{name} is {kind}" for name, kind in columns[:3]) if columns else ""


def _is(kind: str, family: tuple[str, ...]) -> bool:
    """Whether a type name, or any word of it, belongs to `family` (DECIMAL(10,2) is a DECIMAL)."""
    words = re.findall(r"[A-Z_]+", kind.upper())
    return any(w in family for w in words)
