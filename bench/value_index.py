"""The value index on a large table: build time and memory, and the time it adds to a question.

Builds a DuckDB file with one table of `--rows` rows and `--columns` text columns (column i holds
about 10**(1 + i % 4) distinct values, so some columns fit the per-column cap whole and some do not),
then indexes it through the sandbox as the app does (sql_agent/grounding/values.py) and prints the
build's wall time, the index's size in this process (tracemalloc) and the query workers' memory
(their VmHWM), and the mean time of matching a question and checking a query's literals.

    python bench/value_index.py [--rows 1000000] [--columns 50]

Targets (issue 21): build ≤ 5 s and ≤ 100 MB on 2 cores, built in the background.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from memory import tree_rss_gb  # noqa: E402

from sql_agent.execution import DuckDBSource, SandboxLimits  # noqa: E402
from sql_agent.grounding import build_value_index, literal_notes, match_values  # noqa: E402

QUESTIONS = [
    "How many rows have c3 equal to v3_417 and c7 v7_12?",
    "What is the total for the value v1 88 in column c1?",
    "Show everything about v12_4242 grouped by c2",
]


def make_table(path: Path, rows: int, columns: int) -> None:
    with duckdb.connect(str(path)) as conn:
        select = ", ".join(
            f"'v{i}_' || (hash(r + {i}) % {10 ** (1 + i % 4)}) AS c{i}" for i in range(columns)
        )
        conn.execute(f"CREATE TABLE big AS SELECT r AS id, {select} FROM range({rows}) t(r)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.duckdb"
        t0 = time.perf_counter()
        make_table(path, args.rows, args.columns)
        print(
            f"table: {args.rows:,} rows x {args.columns} text columns, made in {time.perf_counter() - t0:.1f} s"
        )
        source = DuckDBSource(path, SandboxLimits(timeout_s=30))
        try:
            source.run("SELECT 1")  # a warm worker, as the app has by the time it builds the index
            tracemalloc.start()
            index = build_value_index(source)
            size, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"build: {index.build_s:.2f} s; {index.describe()}")
            print(
                f"memory: index {size / 2**20:.1f} MB in the app (peak while building {peak / 2**20:.1f} MB);"
            )
            print(f"        app and workers together {tree_rss_gb(os.getpid()):.2f} GB RSS")
            match_ms, check_ms = [], []
            for question in QUESTIONS * 10:
                t0 = time.perf_counter()
                match_values(question, index)
                match_ms.append((time.perf_counter() - t0) * 1000)
            sql = "SELECT count(*) FROM big WHERE c3 = 'V3_417' AND c7 IN ('v7_12', 'v7_x')"
            for _ in range(30):
                t0 = time.perf_counter()
                literal_notes(sql, "duckdb", source.schema, index, proven=True)
                check_ms.append((time.perf_counter() - t0) * 1000)
            print(
                f"per question: matching {statistics.mean(match_ms):.1f} ms (max {max(match_ms):.1f}), "
                f"literal check {statistics.mean(check_ms):.1f} ms"
            )
        finally:
            source.close()


if __name__ == "__main__":
    main()
