"""The safety policy: says whether a SQL text may run, with a reason, by walking its sqlglot tree.

Everything here is an allow-list: a statement is allowed only when its root is a query and every node
in its tree is a kind of node that a read-only query is made of. Anything sqlglot cannot parse, or
parses into a node we have not listed (a new statement kind in a future sqlglot, say), is blocked.
The DuckDB sandbox (sandbox.py) is the second line: it would refuse these statements on its own.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

# Query roots: SELECT (with or without WITH), UNION/INTERSECT/EXCEPT, VALUES, a parenthesised query.
ALLOWED_ROOTS = (exp.Select, exp.SetOperation, exp.Values, exp.Subquery)

# Modules of sqlglot.expressions whose nodes are values, operators, functions and types: the stuff of
# expressions. Statement-ish modules (ddl, dml, properties, constraints) are absent on purpose.
EXPRESSION_MODULES = {
    "sqlglot.expressions.aggregate",
    "sqlglot.expressions.array",
    "sqlglot.expressions.core",
    "sqlglot.expressions.datatypes",
    "sqlglot.expressions.functions",
    "sqlglot.expressions.json",
    "sqlglot.expressions.math",
    "sqlglot.expressions.string",
    "sqlglot.expressions.temporal",
}
# Statements that live in the expression modules anyway.
STATEMENTS_IN_EXPRESSION_MODULES = (exp.Cache, exp.Uncache, exp.Refresh, exp.LockingStatement)

# The clauses a query is built from (sqlglot.expressions.query holds statements too: INTO, PUT, GRANT...).
QUERY_CLAUSES = (
    exp.Select, exp.Union, exp.Except, exp.Intersect, exp.Values, exp.Subquery, exp.With, exp.CTE,
    exp.TableAlias, exp.From, exp.Join, exp.Lateral, exp.Where, exp.Group, exp.Cube, exp.Rollup,
    exp.GroupingSets, exp.Having, exp.Qualify, exp.Order, exp.Limit, exp.LimitOptions, exp.Offset,
    exp.Fetch, exp.Window, exp.WindowSpec, exp.Lambda, exp.Tuple, exp.Table, exp.TableSample,
    exp.Pivot, exp.UnpivotColumns, exp.BitString, exp.HexString, exp.ByteString, exp.RawString,
    exp.UnicodeString, exp.National, exp.Introducer, exp.JSON, exp.JSONPath, exp.JSONPathPart,
    exp.FormatJson, exp.JSONKeyValue, exp.ScopeResolution, exp.Connect, exp.Prior, exp.TableColumn,
    exp.MatchRecognize, exp.MatchRecognizeMeasure, exp.Partition, exp.HistoricalData,
    exp.RecursiveWithSearch, exp.Semicolon,
)  # fmt: skip

# Functions that may stand in FROM as a table. Everything else there (read_csv, glob, query,
# RESULT_SCAN, pragma_*, duckdb_secrets...) reads files, the network or the catalogue.
ALLOWED_TABLE_FUNCTIONS = {"range", "generate_series", "unnest", "flatten"}

# Scalar functions that read files, the environment, the settings or the account.
FILE_OR_SYSTEM_FUNCTION = re.compile(
    r"^(read_\w+|\w*_scan|glob|getenv|current_setting|sniff_csv|query|query_table|pragma_\w+"
    r"|duckdb_\w+|system\$\w+|load_file|pg_read_\w+|lo_\w+|dblink\w*|http\w*)$",
    re.IGNORECASE,
)
# A table name that DuckDB would resolve to a file or URL by a replacement scan ('data.csv', "s3://...").
PATH_LIKE_NAME = re.compile(r"[./\\:~]|^@")

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # sqlglot warns when it falls back to Command


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str
    tree: exp.Expression | None = None  # the parsed statement, when there is exactly one


def check_policy(sql: str, dialect: str) -> Verdict:
    """Yes or no, with a reason a user can read."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (ParseError, TokenError) as err:
        return Verdict(False, f"The SQL could not be parsed: {_first_line(err)}")
    if not statements:
        return Verdict(False, "There is no SQL statement.")
    if len(statements) > 1:
        return Verdict(False, f"Only one statement may run; this text has {len(statements)}.")
    tree = statements[0]
    if not isinstance(tree, ALLOWED_ROOTS):
        return Verdict(
            False,
            f"Only queries that read data (SELECT, WITH, VALUES, UNION...) may run, not {_describe(tree)}.",
        )
    for node in tree.walk():
        reason = _node_problem(node)
        if reason:
            return Verdict(False, reason)
    return Verdict(True, "A read-only query.", tree)


def _node_problem(node: exp.Expression) -> str | None:
    if isinstance(node, exp.Into):
        return "SELECT ... INTO writes a table; only reading is allowed."
    if isinstance(node, exp.Lock):
        return "Row locks (FOR UPDATE/SHARE) are not allowed."
    if isinstance(node, exp.Table):
        return _table_problem(node)
    if isinstance(node, exp.Func):
        name = _function_name(node)
        if FILE_OR_SYSTEM_FUNCTION.match(name):
            return f"The function {name}() reads files, settings or the system; it is not allowed."
    if not _is_allowed_node(node):
        return f"{_describe(node)} is not allowed inside a query."
    return None


def _table_problem(table: exp.Table) -> str | None:
    source = table.this
    if isinstance(source, exp.Func) or isinstance(table, exp.TableFromRows):
        name = _function_name(source) if isinstance(source, exp.Func) else "TABLE(...)"
        if name.lower() not in ALLOWED_TABLE_FUNCTIONS:
            return f"The table function {name}() is not allowed (it can read files, the network or the catalogue)."
        return None
    if isinstance(source, (exp.Literal, exp.Placeholder, exp.Var)):
        return f"Reading from '{source.name}' (a file, URL or stage) is not allowed."
    for part in table.parts:
        if PATH_LIKE_NAME.search(part.name):
            return (
                f"The table name '{part.name}' looks like a file path or URL; reading files is not allowed."
            )
    return None


def _is_allowed_node(node: exp.Expression) -> bool:
    if isinstance(node, STATEMENTS_IN_EXPRESSION_MODULES):
        return False
    if isinstance(node, QUERY_CLAUSES):
        return True
    return type(node).__module__ in EXPRESSION_MODULES


def _function_name(func: exp.Func) -> str:
    if isinstance(func, exp.Anonymous):
        return str(func.this)
    return func.sql_name()


def _describe(node: exp.Expression) -> str:
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    return re.sub(r"(?<!^)(?=[A-Z])", " ", type(node).__name__).upper()


def _first_line(err: Exception) -> str:
    return str(err).splitlines()[0]
