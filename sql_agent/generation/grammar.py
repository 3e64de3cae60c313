"""A llama.cpp GBNF grammar for one question's SQL, built from its schema slice: the model can name
only the tables and columns it was shown, plus SQL keywords, functions, literals and its own aliases.

GBNF is context-free, so aliases are the compromise: a new name may follow AS (a column or table
alias, a CAST type), a table's name (`FROM customers cust`) or a closing bracket (`count(*) total`),
may qualify a column (`cust.segment`: the column is still checked) and may be any one- or two-letter
name (`o`, `t1`); after GROUP BY or ORDER BY any name may follow, since that is where aliases
are referred to. Without these, the model, held off the alias it meant to write,
ran words together (`domain_nameFROMacker_news`). A query that starts WITH defines its own
tables, whose names and columns the grammar cannot know: it is held to SQL's shape only.
"""

from __future__ import annotations

import json
import re

from ..schema import Table

KEYWORDS = [
    "SELECT",
    "DISTINCT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "ILIKE",
    "BETWEEN",
    "EXISTS",
    "AS",
    "ON",
    "JOIN",
    "INNER",
    "LEFT",
    "RIGHT",
    "FULL",
    "OUTER",
    "CROSS",
    "NATURAL",
    "USING",
    "GROUP",
    "BY",
    "HAVING",
    "ORDER",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "LAST",
    "LIMIT",
    "OFFSET",
    "UNION",
    "INTERSECT",
    "EXCEPT",
    "ALL",
    "ANY",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "CAST",
    "TRY_CAST",
    "OVER",
    "PARTITION",
    "ROWS",
    "RANGE",
    "PRECEDING",
    "FOLLOWING",
    "UNBOUNDED",
    "CURRENT",
    "ROW",
    "FILTER",
    "WITHIN",
    "INTERVAL",
    "TRUE",
    "FALSE",
    "QUALIFY",
    "EXCLUDE",
    "REPLACE",
    "SIMILAR",
    "TO",
    "ESCAPE",
    "COLLATE",
    "LATERAL",
    "UNNEST",
    "AT",
    "TIME",
    "ZONE",
    "DATE",
    "TIMESTAMP",
    "INTEGER",
    "INT",
    "BIGINT",
    "SMALLINT",
    "DOUBLE",
    "FLOAT",
    "REAL",
    "DECIMAL",
    "NUMERIC",
    "VARCHAR",
    "TEXT",
    "BOOLEAN",
    "YEAR",
    "MONTH",
    "DAY",
    "HOUR",
    "MINUTE",
    "SECOND",
    "WEEK",
    "QUARTER",
    "DOW",
    "DOY",
    "EPOCH",
    "YEARS",
    "MONTHS",
    "DAYS",
    "HOURS",
    "MINUTES",
    "SECONDS",
    "WEEKS",
    "SAMPLE",
    "RESERVOIR",
    "BERNOULLI",
    "SYSTEM",
    "PERCENT",
]
PUNCTUATION = ["(", ")", ",", ".", "*", "+", "-", "/", "//", "%", "=", "==", "<", ">", "<=", ">="]
PUNCTUATION += ["<>", "!=", "||", "::", "[", "]", ":", "{", "}", "->", "->>", "^"]
STRUCT_FIELD = re.compile(r"[(,]\s*\"?([A-Za-z_][A-Za-z0-9_]*)\"?\s+[A-Z]")

RULES = """
root ::= "```sql\\n" query ws? ";"? ws? "```"
query ::= select | with
select ::= ("SELECT" | "select") ws body (by body-free)?
with ::= ("WITH" | "with") ws body-free
by ::= ("GROUP" | "group" | "ORDER" | "order") ws ("BY" | "by") ws
body ::= elem* word?
elem ::= word ws | word? punct ws? | string ws? | new-name "(" ws? | table ws new-name ws? | word? ")" ws new-name ws? | new-name "."
body-free ::= elem-free* (word | new-name)?
elem-free ::= elem | new-name ws | new-name punct ws?
word ::= known | short-name | number | alias
alias ::= ("AS" | "as") ws new-name
short-name ::= [a-zA-Z] [a-zA-Z0-9]?
new-name ::= [a-zA-Z_] [a-zA-Z0-9_]* | "\\"" [^"]+ "\\""
number ::= [0-9]+ ("." [0-9]+)?
string ::= "'" ([^'] | "''")* "'"
ws ::= [ \\t\\n]+
"""


def sql_grammar(tables: list[Table]) -> str:
    """GBNF for a query over `tables`: their names and columns (as written, in either case, or quoted)."""
    names: set[str] = set()
    table_names: set[str] = set()
    for table in tables:
        names.update(table.name.split("."))  # consumer_div.coupons: the schema's name may qualify it
        table_names.add(table.name.rsplit(".", 1)[-1])
        for column in table.columns:
            names.add(column.name)
            names.update(STRUCT_FIELD.findall(column.type))  # s.field on a STRUCT column
    spelled = {form for n in names for form in (n, n.lower(), n.upper())}
    quoted = {f'"{n}"' for n in names}
    keywords = {k for kw in KEYWORDS for k in (kw, kw.lower())}
    lines = [
        "known ::= " + _trie(keywords | spelled | quoted),
        "punct ::= " + _trie(set(PUNCTUATION)),
        "table ::= " + _trie({form for n in table_names for form in (n, n.lower(), n.upper(), f'"{n}"')}),
    ]
    return RULES.strip() + "\n" + "\n".join(lines) + "\n"


def _trie(words: set[str]) -> str:
    """The words as a prefix tree ("cust" ("omers" | "omer_id")), not a flat list of alternatives:
    llama.cpp keeps one parse stack per live alternative and checks each candidate token against every
    stack, so a flat list of 700 names made each check cost about 23 ms; shared prefixes cut that."""
    tree: dict = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here
    return _branches(tree)


def _branches(node: dict) -> str:
    parts = []
    for char in sorted(c for c in node if c):
        text, child = char, node[char]
        while "" not in child and len(child) == 1:  # a run with no choice in it is one literal
            ((char, child),) = child.items()
            text += char
        rest = {c: n for c, n in child.items() if c}
        if not rest:
            parts.append(json.dumps(text))
        elif "" in child:
            parts.append(f"{json.dumps(text)} ({_branches(rest)})?")
        else:
            parts.append(f"{json.dumps(text)} ({_branches(rest)})")
    return " | ".join(parts)
