"""Finds the SQL in a model's reply: a fenced block, or the text from the first SELECT/WITH on."""

from __future__ import annotations

import re

FENCED = re.compile(
    r"```[ \t]*(?:sql|duckdb|snowflake|postgres|postgresql)?[ \t]*\n?(.*?)(?:```|$)", re.S | re.I
)
QUERY_START = re.compile(r"^\s*(WITH|SELECT|FROM|VALUES|\(\s*SELECT)\b", re.I | re.M)
# Other statements are still returned, so the policy can say why they may not run.
OTHER_STATEMENT = re.compile(
    r"^\s*(DROP|DELETE|INSERT|UPDATE|MERGE|CREATE|ALTER|TRUNCATE|COPY|ATTACH|DETACH|INSTALL|LOAD|SET|PRAGMA"
    r"|CALL|EXPORT|IMPORT|GRANT|REVOKE|BEGIN|COMMIT|USE|PUT|GET|LIST)\b",
    re.I | re.M,
)


def extract_sql(reply: str) -> str | None:
    """The query text, without fences, prose or a trailing semicolon; None when there is none."""
    for block in FENCED.findall(reply):
        sql = _clean(block)
        if sql and QUERY_START.search(sql):
            return sql
    start = QUERY_START.search(reply)
    if not start:
        # a fenced block that holds something else (DROP ...) is still SQL for the policy to judge
        blocks = [b for b in (_clean(b) for b in FENCED.findall(reply)) if b]
        if blocks:
            return blocks[0]
        start = OTHER_STATEMENT.search(reply)
        if not start:
            return None
    text = reply[start.start() :]
    # stop at the end of the statement, or at a blank line followed by prose
    end = _statement_end(text)
    return _clean(text[:end])


def _statement_end(text: str) -> int:
    in_string = False
    for i, ch in enumerate(text):
        if ch == "'":
            in_string = not in_string
        elif ch == ";" and not in_string:
            return i
    prose = re.search(r"\n\s*\n(?=[A-Z][a-z]+ )", text)
    return prose.start() if prose else len(text)


def _clean(sql: str) -> str:
    sql = sql.strip()
    sql = re.sub(r"^(sql|SQL)\s*:\s*", "", sql)
    while sql.endswith(";"):
        sql = sql[:-1].rstrip()
    return sql


def normalised_sql(sql: str) -> str:
    """A query's text with case, spacing and a trailing semicolon set aside, its quoted text kept as
    written: two queries with the same normalised text are the same query (a repair that sent the
    failed one back, a suite's duplicate gold), and 'Texas' -> 'texas' is a change."""
    parts = re.split(r"('(?:[^']|'')*')", sql.strip().rstrip(";"))
    return " ".join("".join(p if i % 2 else p.lower() for i, p in enumerate(parts)).split())
