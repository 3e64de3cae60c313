"""The safety checks: yes or no, with a reason, for generated SQL and for the files a visitor may open.

A security reviewer starts here: `policy` is the read-only allow-list over the sqlglot tree,
`validate` checks a query against the schema (and caps its rows) before it runs, `file_access` says
which DuckDB files a deployment may open. This package imports nothing of sql_agent but `schema`.
"""

from .file_access import FileRefused, allowed_duckdb_file
from .policy import Verdict, check_policy
from .validate import DEFAULT_ROW_CAP, Checked, check_sql

__all__ = [
    "DEFAULT_ROW_CAP",
    "Checked",
    "FileRefused",
    "Verdict",
    "allowed_duckdb_file",
    "check_policy",
    "check_sql",
]
