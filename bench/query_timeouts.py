"""Time-to-stop of heavy queries in the DuckDB sandbox, and the cost of running queries in workers
(prints figures; not a test).

    python bench/query_timeouts.py [--deadlines 3,20] [--rows 5000000] [--overhead-queries 200]

1. Each heavy query (huge ranges, list_sort, repeat, cross joins, an unbounded recursive CTE,
   string_agg over millions of rows) under each deadline: how it ended (timeout or a memory error),
   seconds until the caller got the message, the worker's peak RSS, and a probe query on the same
   source answered meanwhile by another thread.     Target: each back within deadline + 2 s.
2. Per-query time of small queries: in a warm worker versus in-process DuckDB (the former design),
   and the time to start a worker.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sql_agent.execution.sandbox import (  # noqa: E402
    DatabaseError,
    DuckDBSandbox,
    QueryTimeout,
    SandboxLimits,
    sandbox_config,
)

HEAVY = {
    "huge range": "SELECT count(*) FROM range(1000000000000)",
    "huge range, sorted": "SELECT * FROM range(10000000000) ORDER BY range DESC LIMIT 5",
    "list_sort(range(500M))": "SELECT list_sort(range(500000000))",
    "list_sort(range(20M))": "SELECT list_sum(list_sort(range(20000000)))",
    "repeat 2 GB": "SELECT length(repeat('x', 2000000000))",
    "md5 of repeat 1 GB": "SELECT md5(repeat('x', 1000000000))",
    "cross join": "SELECT count(*) FROM events a, events b WHERE a.label < b.label",
    "cross join, strings": "SELECT max(a.label || b.label) FROM events a CROSS JOIN events b",
    "recursive CTE, unbounded": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
    "string_agg, millions of rows": "SELECT length(string_agg(a.label || b.range, ',')) FROM events a, range(40) b",
}  # fmt: skip
PROBE = "SELECT label, count(*) FROM events GROUP BY label ORDER BY 2 DESC LIMIT 3"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


class Watcher:
    """Samples the workers' peak RSS and keeps a probe query going on the same source."""

    def __init__(self, sandbox: DuckDBSandbox):
        self.sandbox, self.peak_mb, self.probe_s, self.probe_errors = sandbox, 0.0, [], []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._sample), threading.Thread(target=self._probe)]

    def __enter__(self):
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in self._threads:
            t.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            for pid in self.sandbox.worker_pids:
                self.peak_mb = max(self.peak_mb, rss_mb(pid))

    def _probe(self) -> None:
        while not self._stop.wait(0.25):
            started = time.perf_counter()
            try:
                self.sandbox.run(PROBE)
                self.probe_s.append(time.perf_counter() - started)
            except (DatabaseError, QueryTimeout) as err:
                self.probe_errors.append(str(err)[:80])


def bench_heavy(path: Path, deadlines: list[float]) -> list[dict]:
    rows = []
    for deadline in deadlines:
        sandbox = DuckDBSandbox(path, SandboxLimits(timeout_s=deadline))
        for label, sql in HEAVY.items():
            with Watcher(sandbox) as watch:
                started = time.perf_counter()
                try:
                    sandbox.run(sql)
                    outcome = "finished"
                except QueryTimeout:
                    outcome = "timeout"
                except DatabaseError as err:
                    outcome = f"error: {str(err).splitlines()[0][:70]}"
                back_s = time.perf_counter() - started
            rows.append({
                "deadline_s": deadline, "query": label, "outcome": outcome, "back_s": round(back_s, 2),
                "within_deadline_plus_2s": back_s <= deadline + 2, "worker_peak_rss_mb": round(watch.peak_mb),
                "probes_answered_meanwhile": len(watch.probe_s),
                "probe_max_s": round(max(watch.probe_s), 3) if watch.probe_s else None,
                "probe_errors": watch.probe_errors[:2],
            })  # fmt: skip
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        sandbox.close()
    return rows


def bench_overhead(path: Path, n: int) -> dict:
    queries = {"SELECT 42": "SELECT 42", "small aggregate": PROBE}
    limits = SandboxLimits()
    out = {}
    direct = duckdb.connect(str(path), read_only=True, config=sandbox_config(limits))
    sandbox = DuckDBSandbox(path, limits)
    for label, sql in queries.items():
        in_process, in_worker = [], []
        for _ in range(n):
            started = time.perf_counter()
            cursor = direct.cursor()  # the former path: a fresh cursor on the app's own connection
            cursor.execute(sql)
            cursor.fetchmany(limits.max_rows)
            cursor.close()
            in_process.append(time.perf_counter() - started)
            started = time.perf_counter()
            sandbox.run(sql)
            in_worker.append(time.perf_counter() - started)
        out[label] = {
            "in_process_ms_p50": round(1000 * statistics.median(in_process), 2),
            "in_process_ms_p95": round(1000 * percentile(in_process, 0.95), 2),
            "worker_ms_p50": round(1000 * statistics.median(in_worker), 2),
            "worker_ms_p95": round(1000 * percentile(in_worker, 0.95), 2),
        }
    sandbox.close()
    direct.close()
    starts = []
    for _ in range(5):
        started = time.perf_counter()
        DuckDBSandbox(path, limits).close()  # opening a sandbox starts one worker and waits for it
        starts.append(time.perf_counter() - started)
    out["worker_start_ms_p50"] = round(1000 * statistics.median(starts))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadlines", default="3,20", help="comma-separated seconds")
    parser.add_argument("--rows", type=int, default=5_000_000, help="rows in the events table")
    parser.add_argument("--overhead-queries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "heavy.duckdb"
        with duckdb.connect(str(path)) as conn:
            conn.execute(
                f"CREATE TABLE events AS SELECT range AS id, 'label ' || (range % 1000) AS label "
                f"FROM range({args.rows})"
            )
        figures = {"overhead": bench_overhead(path, args.overhead_queries)}
        print(json.dumps(figures["overhead"]), file=sys.stderr, flush=True)
        heavy = bench_heavy(path, [float(d) for d in args.deadlines.split(",")])
    figures["heavy"] = heavy
    figures["all_within_deadline_plus_2s"] = all(r["within_deadline_plus_2s"] for r in heavy)
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
