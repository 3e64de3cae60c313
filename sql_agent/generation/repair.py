"""What the model is told after a failed attempt, beyond the error: the columns of the tables its
query reads, which other table holds a column it reached for and how to join that table, and what
an alias it forgot to define stands for. A small model repeats its query word for word when told
only "no column named aid"; told where `aid` lives and how to join it, it can fix the query.

The user sees the error alone; these notes go to the model only.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ..safety.validate import named_first, tables_by_alias, tables_read, word_list
from ..schema import Schema, Table
from .error_notes import error_notes

MAX_COLUMNS_SHOWN = 40
# The repair prompt repeats the first one, whose schema may fill most of a 4k context: the column
# list is cut here (the longest seen on both evaluation suites was 900 characters).
MAX_COLUMNS_NOTE_CHARS = 1500
MAX_TABLES_LISTED = 60

# Names a failed attempt reached for, from the checker's message or the database's
MISSING_COLUMN = [
    re.compile(r"There is no column named (\w+)"),
    re.compile(r'does not have a column named "([^"]+)"'),
    re.compile(r'Referenced column "([^"]+)" not found'),
]
UNKNOWN_QUALIFIER = re.compile(
    r'(?:Referenced table "([^"]+)" not found|no table or alias named (\w+) where)'
)
UNKNOWN_TABLE = "There is no table named"
# An output name with a space or symbol in it, unquoted: `AS price (USD)`, `AS total sales`
UNQUOTED_NAME = re.compile(
    r"\bAS\s+(\w+\s*\([^)]*\)|\w+(?:[ \-/%$]+(?!(?:FROM|WHERE|GROUP|ORDER|LIMIT|HAVING)\b)\w+)+)"
    r"(?=\s*(?:,|\bFROM\b|$))",
    re.IGNORECASE | re.MULTILINE,
)


def repair_notes(sql: str | None, error: str, schema: Schema, question: str = "") -> list[str]:
    """Sentences that help the model fix `sql`, which failed with `error`; empty when none apply.
    Tables the `question` names come first where the notes list several."""
    if not sql:
        return []
    try:
        tree = sqlglot.parse_one(sql, read=schema.dialect)
    except SqlglotError:
        return _quoting_notes(sql)  # otherwise a parse error names its place; the schema cannot help
    if tree is None:
        return []
    read = tables_read(tree, schema)
    notes = []
    if read:
        listed = "The tables this query reads have these columns: " + "; ".join(_columns(t) for t in read)
        if len(listed) > MAX_COLUMNS_NOTE_CHARS:
            listed = listed[: MAX_COLUMNS_NOTE_CHARS - 4].rsplit(",", 1)[0] + ", ..."
        notes.append(listed + ".")
    for name in _missing_columns(error):
        note = _where_column_lives(name, read, schema, question) or _columns_by_name_note(
            name, tree, read, schema
        )
        if note:
            notes.append(note)
    qualifier = UNKNOWN_QUALIFIER.search(error)
    note = (
        _undefined_alias(qualifier.group(1) or qualifier.group(2), tree, read, schema) if qualifier else None
    )
    if note:
        notes.append(note)
    if error.startswith(UNKNOWN_TABLE) and len(schema.tables) <= MAX_TABLES_LISTED:
        notes.append("The database's tables are: " + ", ".join(schema.table_names) + ".")
    return notes + error_notes(tree, error, schema, read)


def _quoting_notes(sql: str) -> list[str]:
    return [
        f'A name with spaces or symbols must be in double quotes: AS "{m.group(1)}".'
        for m in UNQUOTED_NAME.finditer(sql)
    ][:2]


def _columns(table: Table) -> str:
    shown = ", ".join(f"{c.name} {c.type}".strip() for c in table.columns[:MAX_COLUMNS_SHOWN])
    more = ", ..." if len(table.columns) > MAX_COLUMNS_SHOWN else ""
    return f"{table.name}({shown}{more})"


def _missing_columns(error: str) -> list[str]:
    names: list[str] = []
    for pattern in MISSING_COLUMN:
        for match in pattern.finditer(error):
            if match.group(1) not in names:
                names.append(match.group(1))
    return names


def _where_column_lives(name: str, read: list[Table], schema: Schema, question: str = "") -> str | None:
    holders = [t.name for t in read if t.column(name)]
    # two or more read tables hold it: the query reached for it under the wrong one (validate._misplaced_column)
    if len(holders) >= 2:
        return f"Among the tables this query reads, {name} is a column of {word_list(holders, 'and')} only."
    owners = named_first([t for t in schema.tables if t.column(name) and t not in read], question)[:3]
    if not owners:
        return None
    note = f"{name} is a column of {word_list([o.name for o in owners], 'and')}, not of the tables this query reads."
    for owner in owners:
        join = _join_to(owner, read, schema)
        if join:
            note += f" To read {owner.name}.{name}, add JOIN {owner.name} ON {join}."
    return note


def _columns_by_name_note(name: str, tree: exp.Expression, read: list[Table], schema: Schema) -> str | None:
    """`column_name LIKE 'trip_%'`: columns picked by their names, as information_schema would be
    asked; DuckDB does that in the query itself with COLUMNS and a regular expression (Snowflake has
    no such expression, so its queries get no note)."""
    if name.lower() != "column_name" or not read or schema.dialect != "duckdb":
        return None
    pattern = "^prefix_"
    for like in tree.find_all(exp.Like, exp.ILike):
        column, literal = like.this, like.expression
        if isinstance(column, exp.Column) and column.name.lower() == "column_name" and literal.is_string:
            pattern = _like_as_regex(literal.this)
            break
    return (
        f"column_name is not a column. To select the columns whose names match a pattern, DuckDB has "
        f"COLUMNS with a regular expression: SELECT COLUMNS('{pattern}') FROM {read[0].name}."
    )


def _like_as_regex(pattern: str) -> str:
    """'metric_%' -> '^metric_'; '%code' -> 'code$'; '%kpi%' -> 'kpi' (LIKE's _ kept: names mean it literally)."""
    core = pattern.strip("%")
    start = "" if pattern.startswith("%") else "^"
    end = "" if pattern.endswith("%") else "$"
    return start + re.escape(core) + end


def _join_to(owner: Table, read: list[Table], schema: Schema) -> str | None:
    """A join condition between `owner` and one of the tables read: a declared foreign key, else a
    shared key-like column (`pid` in both `writes` and `publication`)."""
    for table in read:
        for a, b in ((owner, table), (table, owner)):
            for fk in a.foreign_keys:
                if schema.table(fk.ref_table) is b:
                    return " AND ".join(
                        f"{a.name}.{c} = {b.name}.{r}"
                        for c, r in zip(fk.columns, fk.ref_columns, strict=False)
                    )
        for column in owner.columns:
            if _key_like(column.name, owner, table) and table.column(column.name):
                return f"{owner.name}.{column.name} = {table.name}.{table.column(column.name).name}"
    return None


def _key_like(name: str, *tables: Table) -> bool:
    lowered = name.lower()
    # a table's first column is most often its key, also where the schema declares none
    return lowered.endswith("id") or any(
        name in t.primary_key or t.columns[:1] and t.columns[0].name == name for t in tables
    )


def _undefined_alias(alias: str, tree: exp.Expression, read: list[Table], schema: Schema) -> str | None:
    table = schema.table(alias)
    if table in read:
        return None  # read under an alias, or inside a subquery: the error names what to write
    if table:
        held = _held_by_read_tables(alias, tree, read, schema)
        if held:  # student.student_id where student_record AS sr is read: the column is there already
            names = word_list(sorted({h.split(".")[-1] for h in held}), "and")
            return (
                f"{alias} is not read by this query; the tables it reads have {names} already: "
                f"write {word_list(held, 'and')}."
            )
        join = _join_to(table, read, schema)
        how = f": add JOIN {table.name} ON {join}" if join else ": add it to FROM with a JOIN"
        return f"The query names {table.name} without reading it{how}."
    guess = next((t for t in read if t.name.lower().rsplit(".", 1)[-1].startswith(alias.lower()[:1])), None)
    example = f" (FROM {guess.name} AS {alias})" if guess else ""
    return (
        f"{alias} is not a table or alias this query defines: give the table that alias in FROM{example}, "
        "or write the table's own name before the column."
    )


def _held_by_read_tables(alias: str, tree: exp.Expression, read: list[Table], schema: Schema) -> list[str]:
    """For each column the query qualifies with `alias`, the read table that holds it, as the query
    names that table ("oi.order_id"); empty unless every such column is found."""
    names: dict[str, str] = {}
    for written, table in tables_by_alias(tree, schema).values():
        names.setdefault(table.name, written)
    wanted = {c.name for c in tree.find_all(exp.Column) if c.table.lower() == alias.lower()}
    held = []
    for column in sorted(wanted):
        holder = next((t for t in read if t.column(column)), None)
        if holder is None:
            return []
        held.append(f"{names.get(holder.name, holder.name)}.{column}")
    return held
