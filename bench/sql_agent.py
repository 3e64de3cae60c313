"""Speed and schema-linking figures for the SQL agent (prints them; not a test).

    python bench/sql_agent.py [--questions 200] [--rows 10000000]

1. Agent time outside the model per question (p50/p95) on a 1,000-table x 20-column database, with a
   scripted model, and the schema tokens sent.        Target: <= 50 ms p95, <= 3,000 tokens.
2. Schema-linking recall of gold tables on the evaluation suites, each suite database hidden among
   synthetic tables up to 1,000, keywords only and with embedding similarity. Target: >= 95% recall.
3. Time to the first page of a SELECT * on a 10-million-row table, and memory growth.
                                                       Target: <= 1 s, <= 200 MB.
FLOE_LINK_EMBEDDINGS=0 measures 1. with keywords only.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sql_agent.evaluation.suites import default_eval_dir, load_suite  # noqa: E402
from sql_agent.execution.sandbox import SandboxLimits  # noqa: E402
from sql_agent.execution.sources import DuckDBSource  # noqa: E402
from sql_agent.generation.agent import SqlAgent  # noqa: E402
from sql_agent.generation.linking import link_schema  # noqa: E402
from sql_agent.generation.similarity import prepare  # noqa: E402
from sql_agent.safety.validate import check_sql  # noqa: E402
from sql_agent.schema import Column, Schema, Table  # noqa: E402

TOPICS = ["account", "invoice", "shipment", "warehouse", "supplier", "campaign", "ticket", "employee", "payroll",
          "contract", "asset", "vehicle", "sensor", "reading", "patient", "visit", "course", "enrollment", "loan",
          "claim", "policy", "device", "session", "event", "budget", "ledger", "vendor", "return", "review", "coupon"]  # fmt: skip
FIELDS = ["status", "amount", "created_at", "updated_at", "code", "label", "score", "quantity", "category", "owner",
          "priority", "region", "currency", "note", "level", "kind", "total", "rate", "source", "flag"]  # fmt: skip


def synthetic_tables(n: int, rng: random.Random) -> list[Table]:
    tables = []
    for i in range(n):
        name = f"{rng.choice(TOPICS)}_{rng.choice(TOPICS)}_{i}"
        others = [f for f in FIELDS if f not in ("status", "score")]
        cols = [Column("id", "INTEGER"), Column("status", "VARCHAR"), Column("score", "DOUBLE")] + [
            Column(f"{f}_{j}", "DOUBLE" if f in ("amount", "total", "rate") else "VARCHAR")
            for j, f in enumerate(rng.sample(others, 17))
        ]
        tables.append(Table(name, tuple(cols), primary_key=("id",)))
    return tables


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def bench_agent_overhead(n_questions: int, workdir: Path) -> dict:
    rng = random.Random(1)
    tables = synthetic_tables(1000, rng)
    path = workdir / "wide.duckdb"
    with duckdb.connect(str(path)) as conn:
        for t in tables:
            cols = ", ".join(f"{c.name} {c.type}" for c in t.columns)
            conn.execute(f"CREATE TABLE {t.name} ({cols}, PRIMARY KEY (id))")
        for t in tables[:50]:
            conn.execute(
                f"INSERT INTO {t.name} (id, status, score) SELECT range, 'open', range FROM range(100)"
            )
    source = DuckDBSource(path, SandboxLimits())
    source.schema  # introspection happens once per source, not per question  # noqa: B018
    started = time.perf_counter()
    embedded = prepare(source.schema)  # likewise the table embeddings (in the background in the app)
    prepare_s = time.perf_counter() - started
    agent_s, tokens = [], []
    for k in range(n_questions):
        t = tables[k % 50]
        question = f"What is the average score by status for {t.name.replace('_', ' ')}?"
        reply = f"```sql\nSELECT status, avg(score) AS avg_score FROM {t.name} GROUP BY status\n```"
        agent = SqlAgent(source, lambda messages, reply=reply: reply)
        answer = agent.ask(question)
        assert answer.ok, answer.error
        agent_s.append(answer.timings["agent_s"])
        tokens.append(answer.schema_slice.tokens)
    source.close()
    return {
        "tables": len(tables),
        "columns_per_table": 20,
        "questions": n_questions,
        "embeddings": embedded,
        "table_embedding_s": round(prepare_s, 1),
        "agent_ms_p50": round(1000 * statistics.median(agent_s), 1),
        "agent_ms_p95": round(1000 * percentile(agent_s, 0.95), 1),
        "schema_tokens_p50": int(statistics.median(tokens)),
        "schema_tokens_max": max(tokens),
    }


def bench_linking_recall(eval_dir: Path) -> dict:
    rng = random.Random(2)
    filler = synthetic_tables(1000, rng)
    out = {}
    for suite_name in ("duckdb-nsql", "defog"):
        suite = load_suite(suite_name, eval_dir)
        runs = {"keywords": ([], [], []), "keywords+embeddings": ([], [], [])}  # recall, complete, tokens
        schemas, embedded = {}, True
        for item in suite.items:
            if item.db_path not in schemas:
                source = DuckDBSource(item.db_path)
                real = source.schema
                source.close()
                big = Schema("duckdb", real.tables + tuple(filler[: 1000 - len(real.tables)]), real.functions)
                embedded = prepare(big) and embedded  # once per database, as in the app
                schemas[item.db_path] = (real, big)
            real, big = schemas[item.db_path]
            if not real.tables:
                continue
            gold = {
                real.table(t.name).name
                for t in sqlglot.parse_one(item.gold[0], read="duckdb").find_all(exp.Table)
                if real.table(t.name)
            }
            if not gold:
                continue
            for (recalls, complete, tokens), use in zip(runs.values(), (False, True), strict=True):
                linked = link_schema(item.question, big, 3000, use_embeddings=use)
                found = len(gold & set(linked.tables))
                recalls.append(found / len(gold))
                complete.append(found == len(gold))
                tokens.append(linked.tokens)
        out[suite_name] = {"items": len(runs["keywords"][0]), "embeddings_loaded": embedded}
        for label, (recalls, complete, tokens) in runs.items():
            out[suite_name][label] = {
                "gold_table_recall": round(statistics.mean(recalls), 4),
                "items_with_all_gold_tables": round(statistics.mean(complete), 4),
                "schema_tokens_max": max(tokens),
            }
    return out


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bench_first_page(rows: int, workdir: Path) -> dict:
    path = workdir / "big.duckdb"
    started = time.perf_counter()
    with duckdb.connect(str(path)) as conn:
        conn.execute(
            f"CREATE TABLE events AS SELECT range AS event_id, hash(range) % 1000 AS user_id, "
            f"'event ' || (range % 97) AS label, DATE '2020-01-01' + CAST(range % 1500 AS INTEGER) AS day "
            f"FROM range({rows})"
        )
    build_s = time.perf_counter() - started
    source = DuckDBSource(path, SandboxLimits(max_rows=1000))
    checked = check_sql("SELECT * FROM events", "duckdb", source.schema)
    before = rss_mb()
    result = source.run(checked.sql)
    growth = rss_mb() - before
    source.close()
    return {
        "rows_in_table": rows,
        "build_s": round(build_s, 2),
        "first_page_rows": len(result.rows),
        "first_page_s": round(result.first_page_s, 3),
        "total_with_count_s": round(result.elapsed_s, 3),
        "truncation_note": result.truncation_note,
        "rss_growth_mb": round(growth, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--eval-dir", type=Path, default=default_eval_dir())
    args = parser.parse_args()
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        figures["agent_outside_model"] = bench_agent_overhead(args.questions, Path(tmp))
        if args.eval_dir.exists():
            figures["schema_linking"] = bench_linking_recall(args.eval_dir)
        else:
            figures["schema_linking"] = f"skipped: no evaluation data at {args.eval_dir}"
        figures["first_page"] = bench_first_page(args.rows, Path(tmp))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
