"""Reads a semantic model's YAML (Cortex Analyst's shape) and says what is wrong with it, line by line.

Each problem names the line it is on, so a person editing the YAML on the page or in a file can find
it. With the source's schema, names are checked too: every table and column must exist, relationships
must join declared tables, and every verified query must pass the same checks as generated SQL.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import yaml

from ..safety.validate import check_sql
from ..schema import Schema

TOP_KEYS = ("name", "description", "tables", "relationships", "verified_queries", "custom_instructions")
TABLE_KEYS = (
    "name",
    "description",
    "synonyms",
    "base_table",
    "primary_key",
    "dimensions",
    "time_dimensions",
    "facts",
    "measures",
    "metrics",
    "filters",
)
COLUMN_LISTS = ("dimensions", "time_dimensions", "facts", "measures")
COLUMN_KEYS = (
    "name",
    "description",
    "synonyms",
    "expr",
    "data_type",
    "unique",
    "sample_values",
    "is_enum",
    "cortex_search_service_name",
    "access_modifier",
)
RELATIONSHIP_KEYS = (
    "name",
    "left_table",
    "right_table",
    "relationship_columns",
    "join_type",
    "relationship_type",
)
VERIFIED_KEYS = ("name", "question", "sql", "verified_at", "verified_by", "use_as_onboarding_question")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


class Lined(dict):
    """A YAML mapping that remembers the line it starts on and the line of each key."""

    line: int = 1
    key_lines: dict = {}  # noqa: RUF012 (replaced per instance, never mutated)

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _LinedLoader(yaml.SafeLoader):
    pass


def _construct_lined(loader: _LinedLoader, node: yaml.MappingNode) -> Lined:
    loader.flatten_mapping(node)
    mapping = Lined(loader.construct_pairs(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {
        loader.construct_object(key, deep=True): key.start_mark.line + 1 for key, _ in node.value
    }
    return mapping


_LinedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_lined)


def read_yaml(text: str) -> tuple[Lined | None, list[Problem]]:
    """The document as nested Lined mappings, or the syntax error with its line."""
    try:
        data = yaml.load(text, Loader=_LinedLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        started = err.context_mark.line + 1 if err.context_mark else line
        context = f" ({err.context} that starts on line {started})" if err.context and started != line else ""
        return None, [Problem(line, f"this is not valid YAML: {err.problem or err.context}{context}.")]
    except yaml.YAMLError as err:
        return None, [Problem(1, f"this is not valid YAML: {err}")]
    if not isinstance(data, Lined):
        return None, [Problem(1, "a semantic model is a YAML mapping with `name` and `tables`.")]
    return data, []


def check_structure(data: Lined) -> list[Problem]:
    """Problems with the document's shape: required keys, types, unknown keys, duplicate names."""
    problems = _keys(data, TOP_KEYS, "the model")
    if not _text(data.get("name")):
        problems.append(Problem(data.line_of("name"), "the model needs a `name`."))
    tables = data.get("tables")
    if not isinstance(tables, list) or not tables:
        problems.append(Problem(data.line_of("tables"), "`tables` must be a list with at least one table."))
        tables = []
    seen: set[str] = set()
    for i, table in enumerate(tables):
        where = f"table {i + 1}"
        if not isinstance(table, Lined):
            problems.append(Problem(data.line_of("tables"), f"{where} must be a mapping with a `name`."))
            continue
        name = table.get("name")
        if not _text(name):
            problems.append(Problem(table.line, f"{where} needs a `name`."))
        elif name.lower() in seen:
            problems.append(Problem(table.line_of("name"), f"table `{name}` is listed twice."))
        else:
            seen.add(name.lower())
            where = f"table `{name}`"
        problems += _keys(table, TABLE_KEYS, where)
        problems += _words(table, "synonyms", where)
        for kind in COLUMN_LISTS:
            problems += _columns(table, kind, where)
    problems += _list_of_mappings(data, "relationships", RELATIONSHIP_KEYS, ("left_table", "right_table"))
    for rel in _mappings(data.get("relationships")):
        pairs = rel.get("relationship_columns")
        if (
            not isinstance(pairs, list)
            or not pairs
            or not all(
                isinstance(p, dict) and _text(p.get("left_column")) and _text(p.get("right_column"))
                for p in pairs
            )
        ):
            problems.append(
                Problem(
                    rel.line_of("relationship_columns"),
                    "`relationship_columns` must list `left_column` / `right_column` pairs.",
                )
            )
    problems += _list_of_mappings(data, "verified_queries", VERIFIED_KEYS, ("name", "question", "sql"))
    names = [q.get("name") for q in _mappings(data.get("verified_queries"))]
    for q in _mappings(data.get("verified_queries")):
        if names.count(q.get("name")) > 1 and _text(q.get("name")):
            problems.append(Problem(q.line_of("name"), f"verified query `{q['name']}` is named twice."))
    return problems


def check_against_schema(data: Lined, schema: Schema) -> list[Problem]:
    """Names the database does not have, and verified queries the SQL checks refuse."""
    problems = []
    known = ", ".join(schema.table_names[:20])
    for table in _mappings(data.get("tables")):
        name = table.get("name")
        found = schema.table(name) if _text(name) else None
        if _text(name) and found is None:
            problems.append(
                Problem(table.line_of("name"), f"table `{name}` is not in the database (it has: {known}).")
            )
            continue
        for kind in COLUMN_LISTS:
            for col in _mappings(table.get(kind)):
                column = col.get("expr") or col.get("name")
                if _text(column) and IDENTIFIER.match(column) and found and not found.column(column):
                    problems.append(
                        Problem(
                            col.line_of("expr" if col.get("expr") else "name"),
                            f"`{name}` has no column `{column}`.",
                        )
                    )
    declared = {t.get("name", "").lower(): t for t in _mappings(data.get("tables")) if _text(t.get("name"))}
    for rel in _mappings(data.get("relationships")):
        for side in ("left_table", "right_table"):
            if _text(rel.get(side)) and rel[side].lower() not in declared:
                problems.append(
                    Problem(rel.line_of(side), f"relationship table `{rel[side]}` is not among `tables`.")
                )
        for pair in _mappings(rel.get("relationship_columns")):
            for side, key in (("left_table", "left_column"), ("right_table", "right_column")):
                table = schema.table(rel.get(side) or "") if _text(rel.get(side)) else None
                if table and _text(pair.get(key)) and not table.column(pair[key]):
                    problems.append(
                        Problem(pair.line_of(key), f"`{table.name}` has no column `{pair[key]}`.")
                    )
    for q in _mappings(data.get("verified_queries")):
        if _text(q.get("sql")):
            checked = check_sql(q["sql"], schema.dialect, schema)
            if not checked.allowed:
                problems.append(
                    Problem(q.line_of("sql"), f"verified query `{q.get('name')}`: {checked.reason}")
                )
    return problems


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _mappings(value) -> list[Lined]:
    return [v for v in value if isinstance(v, Lined)] if isinstance(value, list) else []


def _keys(mapping: Lined, allowed: tuple[str, ...], where: str) -> list[Problem]:
    problems = []
    for key in mapping:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" Did you mean `{close[0]}`?" if close else f" Known keys: {', '.join(allowed)}."
            problems.append(Problem(mapping.line_of(key), f"{where} has an unknown key `{key}`.{hint}"))
    return problems


def _words(mapping: Lined, key: str, where: str) -> list[Problem]:
    value = mapping.get(key)
    if value is None or (isinstance(value, list) and all(isinstance(w, (str, int, float)) for w in value)):
        return []
    return [Problem(mapping.line_of(key), f"{where}: `{key}` must be a list of words, like [a, b].")]


def _columns(table: Lined, kind: str, where: str) -> list[Problem]:
    value = table.get(kind)
    if value is None:
        return []
    if not isinstance(value, list):
        return [Problem(table.line_of(kind), f"{where}: `{kind}` must be a list of columns.")]
    problems = []
    for col in value:
        if not isinstance(col, Lined) or not _text(col.get("name")):
            line = col.line if isinstance(col, Lined) else table.line_of(kind)
            problems.append(Problem(line, f"{where}: every entry of `{kind}` needs a `name`."))
            continue
        inner = f"column `{col['name']}` of {where}"
        problems += _keys(col, COLUMN_KEYS, inner)
        problems += _words(col, "synonyms", inner)
        problems += _words(col, "sample_values", inner)
    return problems


def _list_of_mappings(data: Lined, key: str, allowed: tuple[str, ...], required: tuple[str, ...]):
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        return [Problem(data.line_of(key), f"`{key}` must be a list.")]
    problems = []
    for i, item in enumerate(value):
        where = f"{key} entry {i + 1}"
        if not isinstance(item, Lined):
            problems.append(Problem(data.line_of(key), f"{where} must be a mapping."))
            continue
        problems += _keys(item, allowed, where)
        problems += [
            Problem(item.line, f"{where} needs `{field}`.")
            for field in required
            if not _text(item.get(field))
        ]
    return problems
