"""Qualify a join key the query left unqualified: `SELECT pid FROM publication JOIN writes ON
writes.pid = publication.pid` fails in the database ("ambiguous reference"), yet the inner join
makes both tables' `pid` the same value, so either one means what the query says. A small model
rarely fixes this itself (on defog, 3 of the 5 queries stopped at this error were never repaired).

Only inner joins count (an outer join's null side differs from the other), and only equalities
that tie every table holding the name together, in the ON clauses or the WHERE clause.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import traverse_scope

from ..schema import Schema, Table

INNER_KINDS = {"", "INNER", "CROSS"}


def qualify_join_keys(tree: exp.Expression, schema: Schema) -> tuple[exp.Expression, list[str]]:
    """A copy of `tree` with such keys qualified by the first table that holds them, and what was
    qualified ("pid as publication.pid"); nothing qualified when the query's shape is beyond sqlglot's
    scope analysis."""
    original, tree = tree, tree.copy()
    try:
        scopes = traverse_scope(tree)
    except (SqlglotError, KeyError, ValueError, AttributeError):
        return original, []
    done: list[str] = []
    for scope in scopes:
        select = scope.expression
        if not isinstance(select, exp.Select) or not _inner_joins_only(select):
            continue
        tables = _tables_in_order(select, schema)
        projected = {a.alias.lower() for a in select.expressions if isinstance(a, exp.Alias)}
        own = [c for c in scope.columns if not c.table and c.find_ancestor(exp.Select) is select]
        for name in dict.fromkeys(c.name.lower() for c in own):
            holders = [alias for alias, table in tables if table.column(name)]
            keys = [h.lower() for h in holders]
            if len(holders) < 2 or name in projected or not _all_equal(select, name, keys):
                continue
            for column in own:
                if column.name.lower() == name:
                    column.set("table", exp.to_identifier(holders[0]))
            done.append(f"{name} as {holders[0]}.{name}")
    return tree, done


def _inner_joins_only(select: exp.Select) -> bool:
    return all(not j.side and (j.kind or "").upper() in INNER_KINDS for j in select.args.get("joins") or [])


def _tables_in_order(select: exp.Select, schema: Schema) -> list[tuple[str, Table]]:
    """(alias, schema table) for each table the SELECT reads directly, FROM first."""
    sources = [select.args["from_"].this] if select.args.get("from_") else []
    sources += [j.this for j in select.args.get("joins") or []]
    found = []
    for source in sources:
        table = schema.table(source.name) if isinstance(source, exp.Table) else None
        if table is not None:
            found.append((source.alias_or_name, table))
    return found


def _all_equal(select: exp.Select, name: str, holders: list[str]) -> bool:
    """Whether equalities `a.name = b.name` among the join conditions and the WHERE clause's top-level
    ANDs connect every holder."""
    conditions = [j.args.get("on") for j in select.args.get("joins") or []]
    where = select.args.get("where")
    conditions.append(where.this if where else None)
    group = {h: h for h in holders}

    def root(alias: str) -> str:
        while group[alias] != alias:
            alias = group[alias]
        return alias

    for condition in filter(None, conditions):
        for part in condition.flatten() if isinstance(condition, exp.And) else [condition]:
            if not isinstance(part, exp.EQ):
                continue
            left, right = part.this, part.expression
            if not (isinstance(left, exp.Column) and isinstance(right, exp.Column)):
                continue
            if left.name.lower() != name or right.name.lower() != name:
                continue
            a, b = left.table.lower(), right.table.lower()
            if a in group and b in group:
                group[root(a)] = root(b)
    return len({root(h) for h in holders}) == 1
