"""Drafts a semantic model (Cortex Analyst's YAML shape) for any source from what introspection sees:
tables, columns sorted into dimensions, time dimensions and facts, sample values, keys, and
relationships from declared foreign keys and from matching key names. A person then reviews it.

`describe_with_model` optionally asks a language model for descriptions and synonyms, one table at a
time; a reply that is not the JSON asked for is skipped, so the draft never depends on the model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import yaml

from backends import Message

from ..schema import Schema, Table

TIME_TYPES = ("DATE", "TIMESTAMP", "TIME", "DATETIME")
NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "INT",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "FLOAT",
    "DOUBLE",
    "REAL",
    "DECIMAL",
    "NUMERIC",
    "NUMBER",
)
MAX_DESCRIBED_TABLES = 20  # one model call each; a bigger schema keeps the rest as drafted


def draft_semantic_model(schema: Schema, name: str, description: str = "") -> dict:
    """The draft as a plain dict in document order, ready for `to_yaml`."""
    keys = {t.name: _key_columns(t) for t in schema.tables}
    model: dict = {"name": _identifier(name)}
    if description:
        model["description"] = description
    model["tables"] = [_table(t, keys[t.name]) for t in schema.tables]
    if relationships := _relationships(schema, keys):
        model["relationships"] = relationships
    return model


def to_yaml(model: dict) -> str:
    return yaml.dump(model, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100)


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings (verified SQL) as `|` blocks, which read like the SQL they hold."""


def _represent_text(dumper: yaml.SafeDumper, text: str):
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def _represent_list(dumper: yaml.SafeDumper, items: list):
    """Short lists of words (synonyms, sample values, key columns) on one line: [a, b, c]."""
    flow = all(isinstance(i, (str, int, float)) and "\n" not in str(i) for i in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


_BlockDumper.add_representer(str, _represent_text)
_BlockDumper.add_representer(list, _represent_list)


def _table(table: Table, key: tuple[str, ...]) -> dict:
    entry: dict = {"name": table.name}
    if table.comment:
        entry["description"] = table.comment
    if synonyms := _table_synonyms(table.name):
        entry["synonyms"] = synonyms
    if key:
        entry["primary_key"] = {"columns": list(key)}
    groups: dict[str, list] = {"dimensions": [], "time_dimensions": [], "facts": []}
    for col in table.columns:
        kind = _kind(col.name, col.type, key)
        item: dict = {"name": col.name, "expr": col.name, "data_type": col.type}
        if col.comment:
            item["description"] = col.comment
        if "_" in col.name:
            item["synonyms"] = [col.name.replace("_", " ").lower()]
        if col.samples:
            item["sample_values"] = [_unquote(v) for v in col.samples]
        if col.name in key:
            item["unique"] = True
        groups[kind].append(item)
    entry.update({kind: items for kind, items in groups.items() if items})
    return entry


def _kind(name: str, dtype: str, key: tuple[str, ...]) -> str:
    upper = dtype.upper()
    if upper.startswith(TIME_TYPES):
        return "time_dimensions"
    if upper.split("(")[0] in NUMERIC_TYPES and not _looks_like_key(name) and name not in key:
        return "facts"
    return "dimensions"


def _key_columns(table: Table) -> tuple[str, ...]:
    """The declared primary key, else a column named `id`, `<singular table>_id`, `<singular
    table>id` (`paperid` in paper) or, for a one-word table, `<initial>id` (`aid` in author)."""
    if table.primary_key:
        return table.primary_key
    bare = table.name.rsplit(".", 1)[-1].lower()
    candidates = ["id", f"{_singular(bare)}_id", f"{bare}_id", f"{_singular(bare)}id"]
    if bare.isalpha():
        candidates.append(f"{bare[0]}id")
    for candidate in candidates:
        if col := table.column(candidate):
            return (col.name,)
    return ()


def _relationships(schema: Schema, keys: dict[str, tuple[str, ...]]) -> list[dict]:
    """Many-to-one joins: declared foreign keys first, then a column named like another table's
    one-column key (`customer_id` in orders -> customers.customer_id, or customers.id)."""
    found: dict[tuple, dict] = {}
    key_names = {k[0].lower() for k in keys.values() if len(k) == 1}
    for table in schema.tables:
        for fk in table.foreign_keys:
            ref = schema.table(fk.ref_table)
            if ref:
                found[(table.name, ref.name)] = _relationship(
                    table.name, ref.name, fk.columns, fk.ref_columns
                )
    for table in schema.tables:
        own = set(keys[table.name])
        for col in table.columns:
            if col.name in own or not (_looks_like_key(col.name) or col.name.lower() in key_names):
                continue
            for other in schema.tables:
                if other is table or (table.name, other.name) in found or len(keys[other.name]) != 1:
                    continue
                key = keys[other.name][0]
                bare = other.name.rsplit(".", 1)[-1].lower()
                if col.name.lower() == key.lower() or col.name.lower() in (
                    f"{_singular(bare)}_id",
                    f"{bare}_id",
                ):
                    found[(table.name, other.name)] = _relationship(
                        table.name, other.name, (col.name,), (key,)
                    )
                    break
    return list(found.values())


def _relationship(left: str, right: str, left_cols, right_cols) -> dict:
    return {
        "name": f"{_identifier(left)}_to_{_identifier(right)}",
        "left_table": left,
        "right_table": right,
        "relationship_columns": [
            {"left_column": lc, "right_column": rc} for lc, rc in zip(left_cols, right_cols, strict=False)
        ],
        "join_type": "left_outer",
        "relationship_type": "many_to_one",
    }


def _looks_like_key(name: str) -> bool:
    lowered = name.lower()
    return lowered == "id" or lowered.endswith("_id") or lowered.endswith("_key")


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _table_synonyms(name: str) -> list[str]:
    bare = name.rsplit(".", 1)[-1].lower()
    words = {bare.replace("_", " "), _singular(bare).replace("_", " ")} - {bare}
    return sorted(words)


def _identifier(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or "model"


def _unquote(sample: str) -> str:
    """Introspection quotes sample values as SQL literals; the YAML keeps the plain value."""
    if len(sample) >= 2 and sample[0] == sample[-1] == "'":
        return sample[1:-1].replace("''", "'")
    return sample


DESCRIBE_PROMPT = """Table `{table}` has these columns (name, type, example values):
{columns}

Write what a business user would call this table and its columns. Reply with JSON only:
{{"description": "one sentence about what a row is", "synonyms": ["other words for the table"],
"columns": {{"<column>": {{"description": "...", "synonyms": ["..."]}}}}}}"""


def describe_with_model(
    model: dict, generate: Callable[[list[Message]], str], progress: Callable[[int, int], None] | None = None
) -> dict:
    """Fills empty descriptions and adds synonyms from the model's replies; returns `model`, changed."""
    tables = model.get("tables", [])[:MAX_DESCRIBED_TABLES]
    for i, table in enumerate(tables):
        if progress:
            progress(i, len(tables))
        columns = {
            c["name"]: c for kind in ("dimensions", "time_dimensions", "facts") for c in table.get(kind, [])
        }
        listing = "\n".join(
            f"- {c['name']} ({c.get('data_type', '')})"
            + (f": {', '.join(map(str, c['sample_values']))}" if c.get("sample_values") else "")
            for c in columns.values()
        )
        reply = generate([Message("user", DESCRIBE_PROMPT.format(table=table["name"], columns=listing))])
        described = _json_object(reply)
        if not described:
            continue
        _merge(table, described)
        for name, about in (described.get("columns") or {}).items():
            if name in columns and isinstance(about, dict):
                _merge(columns[name], about)
    return model


def _merge(entry: dict, about: dict) -> None:
    words = [w.strip() for w in about.get("synonyms") or [] if isinstance(w, str) and w.strip()]
    if words:
        unique: dict[str, str] = {}
        for word in [*entry.get("synonyms", []), *words]:
            unique.setdefault(word.lower(), word)  # "customer ID" after "customer id" is the same word
        _set_after_name(entry, "synonyms", list(unique.values())[:8])
    description = about.get("description")
    if isinstance(description, str) and description.strip() and not entry.get("description"):
        _set_after_name(entry, "description", description.strip())


def _set_after_name(entry: dict, key: str, value) -> None:
    """Sets a key so that a new one lands right after `name`, where a reader of the YAML looks."""
    if key in entry:
        entry[key] = value
        return
    items = list(entry.items())
    entry.clear()
    entry.update(items[:1] + [(key, value)] + items[1:])


def _json_object(reply: str) -> dict | None:
    start, end = reply.find("{"), reply.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        value = json.loads(reply[start : end + 1])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
