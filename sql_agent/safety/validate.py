"""Checks SQL before it runs: the safety policy, the target dialect, the schema, and a row cap.

The result says what will run (`sql`), or why nothing will (`reason`), in words a user can act on.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, OptimizeError, ParseError, SqlglotError, UnsupportedError
from sqlglot.optimizer.qualify import qualify

from ..schema import Schema, Table, words_of
from .join_keys import qualify_join_keys
from .keyword_names import quote_keyword_names
from .policy import check_policy

EXIT_ALLOWED, EXIT_BLOCKED, EXIT_INVALID, EXIT_DB_ERROR = 0, 3, 4, 5
DEFAULT_ROW_CAP = 100_000
OTHER_DIALECT = {"duckdb": "snowflake", "snowflake": "duckdb"}


@dataclass(frozen=True)
class SchemaIssue:
    # "unknown_table" | "unknown_column" | "misplaced_column" | "ambiguous_column" | "unknown_function"
    # | "unknown_qualifier" | "out_of_reach" (a subquery's table named outside it)
    kind: str
    name: str
    suggestions: tuple[str, ...] = ()


@dataclass
class Checked:
    allowed: bool
    reason: str
    sql: str  # what will run: target dialect, row cap added; the input text when not allowed
    outcome: str = "allowed"  # "allowed" | "blocked" (safety policy) | "invalid" (schema, dialect)
    issues: list[SchemaIssue] = field(default_factory=list)
    transpiled_from: str | None = None

    @property
    def exit_code(self) -> int:
        return {"allowed": EXIT_ALLOWED, "blocked": EXIT_BLOCKED}.get(self.outcome, EXIT_INVALID)

    def verdict(self) -> dict:
        return {"allowed": self.allowed, "reason": self.reason, "sql": self.sql}


def check_sql(
    sql: str,
    dialect: str,
    schema: Schema | None = None,
    target: str | None = None,
    row_cap: int | None = DEFAULT_ROW_CAP,
    question: str = "",
) -> Checked:
    """`dialect`: what the SQL is written in; `target`: what runs it (default: the schema's dialect).
    `question`: what the SQL answers; the tables it names come first among did-you-mean suggestions."""
    target = target or (schema.dialect if schema else dialect)
    verdict = check_policy(sql, dialect)
    if not verdict.allowed:
        return Checked(False, verdict.reason, sql, "blocked")
    tree, transpiled_from = verdict.tree, None

    if dialect != target:
        tree, problem = _transpile(tree, dialect, target)
        if problem:
            return Checked(False, problem, sql, "invalid" if tree is None else "blocked")
        transpiled_from = dialect
    elif schema and schema.functions:
        tree, transpiled_from = _fix_foreign_functions(tree, target, schema)

    qualified: list[str] = []
    if schema is not None:
        issues = schema_issues(tree, schema, question)
        if any(i.kind == "ambiguous_column" for i in issues):
            fixed, qualified = qualify_join_keys(tree, schema)
            if qualified:
                tree, issues = fixed, schema_issues(fixed, schema, question)
        if issues:
            return Checked(False, describe_issues(issues), sql, "invalid", issues)

    if target == "duckdb":
        tree = quote_keyword_names(tree)
    if row_cap is not None and not tree.args.get("limit"):
        tree = _with_row_cap(tree, row_cap)
    try:
        final_sql = tree.sql(dialect=target, pretty=True, unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as err:
        return Checked(False, f"This SQL cannot be written for {target}: {err}", sql, "invalid")
    reason = "A read-only query" + (f", translated from {transpiled_from} SQL." if transpiled_from else ".")
    if qualified:
        reason += f" Qualified {', '.join(qualified)}: the join makes the tables' values equal."
    return Checked(True, reason, final_sql, "allowed", transpiled_from=transpiled_from)


def _transpile(tree: exp.Expression, source: str, target: str) -> tuple[exp.Expression | None, str | None]:
    """Rewrite for the target dialect; constructs it cannot express are errors, not silent changes."""
    try:
        text = tree.sql(dialect=target, unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as err:
        return None, f"This {source} SQL cannot be translated to {target}: {str(err).splitlines()[0]}"
    again = check_policy(text, target)  # the translation is checked as if it had been written so
    if not again.allowed:
        return again.tree or tree, again.reason
    return again.tree, None


def _fix_foreign_functions(tree, target: str, schema: Schema):
    """A model often writes the other dialect's functions (IFF, ZEROIFNULL on DuckDB). Each unknown
    function call that the other dialect knows is translated on its own; the rest of the query keeps
    its meaning (reading it all as Snowflake would, say, shift array indexes by one)."""
    other = OTHER_DIALECT.get(target)
    unknown = {name.lower() for name in _unknown_functions(tree, schema)}
    if not other or not unknown:
        return tree, None
    original, tree = tree, tree.copy()
    translated = False
    for call in list(tree.find_all(exp.Anonymous)):
        if str(call.this).lower() not in unknown:
            continue
        try:
            foreign = sqlglot.parse_one(call.sql(dialect=other), read=other)
        except (ParseError, SqlglotError):
            continue
        if isinstance(foreign, exp.Func) and not isinstance(foreign, exp.Anonymous):
            call.replace(foreign)
            translated = True
    if not translated or not check_policy(tree.sql(dialect=target), target).allowed:
        return original, None
    return tree, other


def _unknown_functions(tree: exp.Expression, schema: Schema) -> list[str]:
    names = {str(f.this) for f in tree.find_all(exp.Anonymous)}
    return sorted(n for n in names if n.lower() not in schema.functions)


def schema_issues(tree: exp.Expression, schema: Schema, question: str = "") -> list[SchemaIssue]:
    issues = _table_issues(tree, schema)
    if issues:
        return issues
    if schema.functions:
        issues = [
            SchemaIssue(
                "unknown_function", name, tuple(difflib.get_close_matches(name.lower(), schema.functions, 3))
            )
            for name in _unknown_functions(tree, schema)
        ]
        if issues:
            return issues
    return _column_issues(tree, schema, question)


def _table_issues(tree: exp.Expression, schema: Schema) -> list[SchemaIssue]:
    cte_names = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    issues, seen = [], set()
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue  # a table function (range, unnest), checked by the policy
        name = ".".join(p.name for p in table.parts[-2:])
        # "shop.orders": DuckDB accepts the database name as a qualifier, so the table name decides
        if (
            table.name.lower() in cte_names
            or schema.table(name)
            or schema.table(table.name)
            or name.lower() in seen
        ):
            continue
        seen.add(name.lower())
        matches = difflib.get_close_matches(
            table.name.lower(), [t.lower() for t in schema.table_names], 3, 0.5
        )
        real = [t for m in matches for t in schema.table_names if t.lower() == m]
        issues.append(SchemaIssue("unknown_table", table.name, tuple(real)))
    return issues


COLUMN_ERROR = re.compile(
    r"(?:Column '([^']+)' could not be resolved(?: for table: '([^']+)')?|Unknown column: (\S+))"
)


def _column_issues(tree: exp.Expression, schema: Schema, question: str = "") -> list[SchemaIssue]:
    try:
        qualify(
            tree.copy(),
            schema=schema.sqlglot_mapping({t.name.lower() for t in tree.find_all(exp.Table)}),
            dialect=schema.dialect,
            validate_qualify_columns=True,
            identify=False,
        )
        return []
    except OptimizeError as err:
        match = COLUMN_ERROR.search(str(err))
        if not match:
            return []  # a construct the optimizer does not follow: let the database judge it
        name, qualifier = match.group(1) or match.group(3), match.group(2)
    except (SqlglotError, KeyError, ValueError, AttributeError):
        return []

    referenced = tables_read(tree, schema)
    unreachable = _unreachable_qualifier(tree, qualifier, name, schema, referenced) if qualifier else None
    if unreachable:
        return [unreachable]
    misplaced = _misplaced_column(tree, name, schema)
    if misplaced:
        return [misplaced]
    holders = [t.name for t in referenced if t.column(name)]
    if len(holders) >= 2:
        aliases = _aliases_by_table(tree)
        options = tuple(f"{aliases.get(t.lower(), t)}.{name}" for t in holders)
        return [SchemaIssue("ambiguous_column", name, options)]
    if holders or _is_alias_in_query(tree, name):
        return []  # it exists; the optimizer stumbled on the query's shape, not on the name
    if any(t.column(name) for t in schema.tables):
        owners = [t.name for t in named_first([t for t in schema.tables if t.column(name)], question)]
        return [SchemaIssue("unknown_column", name, tuple(f"{o}.{name}" for o in owners[:3]))]
    pool = referenced or list(schema.tables)
    candidates = {c.name.lower(): c.name for t in pool for c in t.columns}
    close = difflib.get_close_matches(name.lower(), list(candidates), 3, 0.5)
    return [SchemaIssue("unknown_column", name, tuple(candidates[c] for c in close))]


def named_first(tables: list[Table], question: str) -> list[Table]:
    """Tables whose name the question uses first, schema order otherwise: asked about refunds, a
    model told "orders.amount or refunds.amount" took the first and wrote orders.amount."""
    asked = words_of(question)
    return sorted(tables, key=lambda t: not (words_of(t.name) & asked)) if asked else tables


def _misplaced_column(tree: exp.Expression, name: str, schema: Schema) -> SchemaIssue | None:
    """`d.jid` where the table behind `d` has no `jid` but two or more tables the query reads have:
    the optimizer reports that as "Unknown column: jid", which the checker used to call ambiguous.
    Elsewhere the earlier messages stay (they measured better on defog: a first version used this
    wording for any such column and lost two repairs): with one holder read, the database's own
    "Table d does not have a column named jid"; with none, "not in the tables this query reads"."""
    by_alias = tables_by_alias(tree, schema)
    holders = [(alias, t) for alias, t in by_alias.values() if t.column(name)]
    if len(holders) < 2:
        return None  # one holder: the database's own message names the table; none: "not in the tables read"
    for column in tree.find_all(exp.Column):
        alias, table = by_alias.get(column.table.lower(), (None, None)) if column.table else (None, None)
        if column.name.lower() != name.lower() or table is None or table.column(name):
            continue
        options = tuple(dict.fromkeys(f"{a}.{name}" for a, _ in holders))[:3]
        where = table.name if alias.lower() == table.name.lower() else f"{table.name} (as {alias})"
        return SchemaIssue("misplaced_column", f"{name} in {where}", options)
    return None


def _unreachable_qualifier(
    tree: exp.Expression, qualifier: str, name: str, schema: Schema, referenced: list[Table]
) -> SchemaIssue | None:
    """`a.name` where no table or alias `a` is in reach: never defined (the model forgot `AS a`, or
    misspelled the table), defined inside a subquery and used outside it, or a table read under an
    alias. The optimizer names the qualifier; the checker used to report the column instead ("in
    more than one table", or nothing). A table of the schema the query does not read keeps the
    earlier wording ("not in the tables this query reads. Did you mean review.rating?"), which
    measured better: with this one the model sent defog-171's query back three times."""
    if any(t.column(qualifier) for t in referenced):
        return None  # a struct column's field: s.field
    by_alias = tables_by_alias(tree, schema)
    derived = _derived_tables(tree)
    if qualifier.lower() in by_alias or qualifier.lower() in derived:
        seen = "; ".join(f"{alias} ({', '.join(columns)})" for alias, columns in derived.values())
        return SchemaIssue("out_of_reach", f"{qualifier}.{name}", (seen,) if seen else ())
    table = schema.table(qualifier)
    renamed = [alias for alias, t in by_alias.values() if t is table]
    if table and renamed:  # FROM course_offering AS c, then course_offering.course_id
        return SchemaIssue(
            "unknown_qualifier", f"{qualifier}.{name}", tuple(f"{a}.{name}" for a in renamed[:3])
        )
    if table:
        return None
    holders = [alias for alias, t in by_alias.values() if t.column(name)]
    return SchemaIssue("unknown_qualifier", f"{qualifier}.{name}", tuple(f"{a}.{name}" for a in holders[:3]))


def _derived_tables(tree: exp.Expression) -> dict[str, tuple[str, list[str]]]:
    """{alias in lower case: (alias, output columns)} for each subquery read in FROM or JOIN."""
    found = {}
    for sub in tree.find_all(exp.Subquery):
        if sub.alias and isinstance(sub.parent, (exp.From, exp.Join)) and isinstance(sub.this, exp.Select):
            found[sub.alias.lower()] = (sub.alias, [p.alias_or_name for p in sub.this.expressions])
    return found


def tables_read(tree: exp.Expression, schema: Schema) -> list:
    """The schema's tables the query names, in order of first mention (table functions aside)."""
    found = []
    for table in tree.find_all(exp.Table):
        t = schema.table(table.name) if isinstance(table.this, exp.Identifier) else None
        if t and t not in found:
            found.append(t)
    return found


def tables_by_alias(tree: exp.Expression, schema: Schema) -> dict[str, tuple[str, Table]]:
    """{alias in lower case: (alias as written, schema table)} for the tables the query reads; a
    table without an alias goes by its own name."""
    by_alias: dict[str, tuple[str, Table]] = {}
    for table in tree.find_all(exp.Table):
        found = schema.table(table.name) if isinstance(table.this, exp.Identifier) else None
        if found:
            alias = table.alias or table.name
            by_alias[alias.lower()] = (alias, found)
    return by_alias


def _aliases_by_table(tree: exp.Expression) -> dict[str, str]:
    return {t.name.lower(): t.alias for t in tree.find_all(exp.Table) if t.alias}


def _is_alias_in_query(tree: exp.Expression, name: str) -> bool:
    lowered = name.lower()
    aliases = {a.alias.lower() for a in tree.find_all(exp.Alias)}
    aliases |= {c.name.lower() for t in tree.find_all(exp.TableAlias) for c in t.columns}
    aliases |= {t.alias.lower() for t in tree.find_all(exp.Table) if t.alias}
    return lowered in aliases


def describe_issues(issues: list[SchemaIssue]) -> str:
    parts = []
    for issue in issues:
        hint = f" Did you mean {word_list(issue.suggestions)}?" if issue.suggestions else ""
        if issue.kind == "unknown_table":
            parts.append(f"There is no table named {issue.name}.{hint}")
        elif issue.kind == "ambiguous_column":
            parts.append(
                f"The column {issue.name} is in more than one table of this query; "
                f"qualify it as {word_list(issue.suggestions)}."
            )
        elif issue.kind == "misplaced_column":
            parts.append(f"There is no column named {issue.name}.{hint}")
        elif issue.kind == "unknown_qualifier":
            qualifier = issue.name.rsplit(".", 1)[0]
            parts.append(f"There is no table or alias named {qualifier} where {issue.name} is used.{hint}")
        elif issue.kind == "out_of_reach":
            qualifier = issue.name.rsplit(".", 1)[0]
            seen = f" Outside it, the query reads {issue.suggestions[0]}." if issue.suggestions else ""
            parts.append(
                f"There is no table or alias named {qualifier} where {issue.name} is used: "
                f"{qualifier} is read inside a subquery, and only that subquery can name it.{seen}"
            )
        elif issue.kind == "unknown_function":
            parts.append(f"There is no function named {issue.name} in this database.{hint}")
        else:
            parts.append(f"There is no column named {issue.name} in the tables this query reads.{hint}")
    return " ".join(parts)


def word_list(items: Sequence[str], last: str = "or") -> str:
    """ "a, b or c" (or "a, b and c")."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {last} " + items[-1]


def _with_row_cap(tree: exp.Expression, row_cap: int) -> exp.Expression:
    if isinstance(tree, (exp.Select, exp.SetOperation)):
        return tree.limit(row_cap)
    # VALUES or a parenthesised query: wrap it so the cap applies to the whole result
    inner = (
        tree
        if isinstance(tree, exp.Subquery)
        else exp.Subquery(this=tree, alias=exp.TableAlias(this="capped"))
    )
    return exp.select("*").from_(inner).limit(row_cap)


def transpile_for_display(sql: str, dialect: str) -> str:
    try:
        return sqlglot.transpile(sql, read=dialect, write=dialect, pretty=True)[0]
    except SqlglotError:
        return sql
