"""Loads the evaluation suites from ../shared/eval: items, their databases, and why some are left out."""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ..execution.sample_db import data_dir
from ..safety.policy import check_policy


@dataclass(frozen=True)
class EvalItem:
    key: str
    db_path: Path
    question: str
    gold: tuple[str, ...]  # acceptable gold queries (DuckDB SQL); right if the prediction matches any
    category: str = ""


@dataclass
class Suite:
    name: str
    items: list[EvalItem]
    skipped: dict[str, int]  # reason -> how many items were left out for it
    total: int


def default_eval_dir() -> Path:
    return Path(__file__).resolve().parents[2].parent / "shared" / "eval"


def load_suite(name: str, eval_dir: Path, described: bool = False) -> Suite:
    """`described`: defog's databases carry defog's column descriptions (duckdb-nsql ships none)."""
    return load_duckdb_nsql(eval_dir) if name == "duckdb-nsql" else load_defog(eval_dir, described)


def half_of(items: list[EvalItem], half: str) -> list[EvalItem]:
    """A fixed half of the items: among each database's items in suite order, the even positions are
    the first half and the odd ones the second, so both halves ask every database with two items."""
    position: Counter[Path] = Counter()
    chosen = []
    for item in items:
        if (position[item.db_path] % 2 == 0) == (half == "first"):
            chosen.append(item)
        position[item.db_path] += 1
    return chosen


def load_duckdb_nsql(eval_dir: Path) -> Suite:
    root = eval_dir / "duckdb-nsql"
    data = json.loads((root / "dev.json").read_text())
    items, skipped = [], {}
    for i, row in enumerate(data):
        db = root / "databases" / row["db_id"] / f"{row['db_id']}.duckdb"
        reason = None
        if row.get("setup_sql", "").strip(" ;\n"):
            reason = "needs setup SQL that writes (COPY, CREATE...)"
        elif not check_policy(row["query"], "duckdb").allowed:
            reason = _why_not_read_only(row["query"])
        elif not db.exists():
            reason = "database file missing"
        elif _is_random(row["query"]):
            reason = "gold SQL samples rows at random: no one right answer"
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        items.append(EvalItem(f"nsql-{i}", db, row["question"], (row["query"],), row.get("category", "")))
    return Suite("duckdb-nsql", items, skipped, len(data))


def _is_random(sql: str) -> bool:
    """USING SAMPLE or random(): item 21's 1% sample of a small table came back empty or whole from
    run to run, and a 10% sample matched it or not by chance."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except SqlglotError:
        return False
    return tree.find(exp.TableSample, exp.Rand) is not None


def _why_not_read_only(sql: str) -> str:
    reason = check_policy(sql, "duckdb").reason
    if "may run, not " in reason:
        return f"gold SQL is {reason.split('may run, not ')[1].rstrip('.')}, not a read-only query"
    if "file" in reason or "URL" in reason:
        return "gold SQL reads files or URLs, which the sandbox forbids"
    return f"gold SQL is refused by the safety policy: {reason}"


def load_defog(eval_dir: Path, described: bool = False) -> Suite:
    root = eval_dir / "defog"
    rows = list(csv.DictReader((root / "sql-eval" / "questions_gen_postgres.csv").open(encoding="utf-8")))
    items, skipped = [], {}
    for i, row in enumerate(rows):
        db, reason = defog_database(root, row["db_name"], described)
        golds: list[str] = []
        if db is not None:
            for variant in _gold_variants(row["query"]):
                try:
                    golds.append(sqlglot.transpile(variant, read="postgres", write="duckdb")[0])
                except SqlglotError:
                    continue
            if not golds:
                reason = "gold SQL does not convert from PostgreSQL to DuckDB"
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        question = row["question"] + (f"\n{row['instructions']}" if row.get("instructions") else "")
        items.append(EvalItem(f"defog-{i}", db, question, tuple(golds), row.get("query_category", "")))
    return Suite("defog", items, skipped, len(rows))


def _gold_variants(query: str) -> list[str]:
    """defog's `query` holds alternatives split by ';', each with {a, b} column choices: expand them."""
    variants = []
    for part in (q.strip() for q in query.split(";")):
        if not part:
            continue
        braces = re.findall(r"\{([^{}]*)\}", part)
        if not braces:
            variants.append(part)
            continue
        options = [[o.strip() for o in b.split(",") if o.strip()] or [""] for b in braces]
        choices = [[", ".join(o)] + (o if len(o) > 1 else []) for o in options]
        for combo in itertools.islice(itertools.product(*choices), 16):
            text = part
            for value in combo:
                text = re.sub(r"\{[^{}]*\}", value, text, count=1)
            text = re.sub(r",\s*(FROM|GROUP BY)\b", r" \1", text)  # an empty {} choice in GROUP BY
            text = re.sub(r"GROUP BY\s*(ORDER|;|$|LIMIT|HAVING)", r"\1", text)
            variants.append(text)
    return list(dict.fromkeys(variants))


def defog_database(root: Path, name: str, described: bool = False) -> tuple[Path | None, str | None]:
    """The defog database as DuckDB, converted from its PostgreSQL dump once and cached. `described`:
    with the column descriptions defog ships beside it (`<db>.json`) as column comments, which the
    agent's schema prompt shows as it does a documented database's (the bare baseline leaves
    comments out); a copy of its own, so runs without them stay as they were."""
    folder = "defog-described" if described else "defog"
    target = data_dir() / "eval" / folder / f"{name}.duckdb"
    if target.exists():
        return target, None
    source = root / "defog-data" / "defog_data" / name / f"{name}.sql"
    if not source.exists():
        return None, "database dump missing"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    text = source.read_text(encoding="utf-8")
    text = re.sub(r"\bSERIAL\b", "INTEGER", text, flags=re.I)
    failures = 0
    with duckdb.connect(str(partial)) as conn:
        for statement in sqlglot.parse(text, read="postgres"):
            if statement is None:
                continue
            try:
                sql = statement.sql(dialect="duckdb").replace("public.", "")
                conn.execute(sql)
            except (duckdb.Error, SqlglotError):
                failures += 1
        if described:
            _comment_columns(conn, source.with_suffix(".json"))
    partial.rename(target)
    return target, None


def _comment_columns(conn: duckdb.DuckDBPyConnection, metadata: Path) -> None:
    if not metadata.exists():
        return
    where: dict[tuple[str, str], str] = {}  # (table as the metadata names it, column) -> SQL path
    for schema, table, column in conn.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns()"
    ).fetchall():
        path = f'"{schema}"."{table}"."{column}"'
        where[(table.lower(), column.lower())] = path
        where[(f"{schema}.{table}".lower(), column.lower())] = path
    tables = json.loads(metadata.read_text(encoding="utf-8")).get("table_metadata", {})
    for table, columns in tables.items():
        for column in columns:
            text = (column.get("column_description") or "").strip()
            path = where.get((table.lower(), column.get("column_name", "").lower()))
            if text and path:
                conn.execute(f"COMMENT ON COLUMN {path} IS '{text.replace(chr(39), chr(39) * 2)}'")
