"""Runs a query on DuckDB in a sandbox: read-only, no files or network, locked settings, memory
limits, a per-query deadline and a row cap. This holds even for SQL that never went through policy.py.
Each query runs in a worker process (worker_pool.py) that is killed at the deadline: DuckDB's own
interrupt is not honoured inside some long operators, so a thread could not stop them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..results import QueryResult
from ..schema import Schema
from .worker_pool import WorkerBusy, WorkerFailed, WorkerPool, WorkerTimeout


@dataclass(frozen=True)
class SandboxLimits:
    timeout_s: float = 20.0
    max_rows: int = 1000  # rows returned to the caller
    count_rows_up_to: int = 100_000  # beyond the returned rows, count this many more for "N more rows"
    memory_limit: str = "1GB"  # DuckDB's own limit (it spills or refuses beyond it)
    address_space_mb: int = 4096  # the worker's RLIMIT_AS: what DuckDB's limit does not cover
    max_result_mb: int = 64  # the returned rows, as sent back to the app
    threads: int = 2
    batch_rows: int = 2048
    workers: int = 4  # queries at once on one database; more wait for a free worker
    warm_workers: int = 2  # idle workers kept ready, so a query pays no process start
    schema_timeout_s: float = 120.0  # reading the schema (trusted SQL, one query per sampled column)


class QueryTimeout(Exception):
    pass


class DatabaseError(Exception):
    """DuckDB refused or failed the query; the message is DuckDB's, which names the problem."""


@dataclass
class DuckDBSandbox:
    path: Path
    limits: SandboxLimits = field(default_factory=SandboxLimits)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if not self.path.exists():
            raise FileNotFoundError(f"No DuckDB database at {self.path}")
        limits = self.limits
        try:
            self._pool = WorkerPool(
                self.path, sandbox_config(limits), max_workers=limits.workers, warm=limits.warm_workers,
                address_space_bytes=limits.address_space_mb * 2**20,
                watchdog_s=max(limits.timeout_s, limits.schema_timeout_s) + 10,
            )  # fmt: skip
        except WorkerFailed as err:
            raise DatabaseError(str(err)) from None

    @property
    def worker_pids(self) -> list[int]:
        """The worker processes alive now (for tests and benchmarks)."""
        return self._pool.pids

    def close(self) -> None:
        self._pool.close()

    def schema(self) -> Schema:
        """The database's schema, read in a worker with the same sandbox settings."""
        [(reply, _)] = self._exchange(("schema",), self.limits.schema_timeout_s, replies=1)
        return reply[1]

    def run(self, sql: str, max_rows: int | None = None) -> QueryResult:
        """Execute one statement; fetch at most max_rows rows, and count the rest up to a bound."""
        limits = self.limits
        max_rows = limits.max_rows if max_rows is None else max_rows
        started = time.perf_counter()
        request = (
            "run",
            sql,
            max_rows,
            limits.count_rows_up_to,
            limits.batch_rows,
            limits.max_result_mb * 2**20,
        )
        (page, page_at), (done, _) = self._exchange(request, limits.timeout_s, replies=2)
        _, columns, types, rows = page
        _, more, more_is_exact = done
        return QueryResult(
            columns=columns,
            types=types,
            rows=rows,
            more_rows=more,
            more_rows_exact=more_is_exact,
            first_page_s=page_at - started,
            elapsed_s=time.perf_counter() - started,
        )

    def _exchange(self, request: tuple, timeout_s: float, replies: int) -> list[tuple[tuple, float]]:
        """Send a request; collect its replies with their arrival times, all before the deadline."""
        received: list[tuple[tuple, float]] = []
        try:
            with self._pool.lease(time.monotonic() + timeout_s) as worker:
                # The query's own time starts now: waiting for a busy pool and starting a worker
                # are bounded separately (by the same timeout, and by the worker's open timeout).
                deadline = time.monotonic() + timeout_s
                worker.send(request)
                while len(received) < replies and (not received or received[-1][0][0] != "error"):
                    received.append((worker.receive(deadline), time.perf_counter()))
        except WorkerTimeout:
            raise QueryTimeout(f"The query ran longer than {timeout_s:g} s and was stopped.") from None
        except WorkerBusy:
            raise QueryTimeout(
                f"The database stayed busy with other queries for {timeout_s:g} s; try again in a moment."
            ) from None
        except WorkerFailed as err:
            raise DatabaseError(str(err)) from None
        if received[-1][0][0] == "error":  # DuckDB's message; the worker stays warm for the next query
            raise DatabaseError(received[-1][0][1])
        return received


def sandbox_config(limits: SandboxLimits) -> dict:
    return {
        "enable_external_access": False,  # no files, no URLs, no ATTACH, no extension install
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "memory_limit": limits.memory_limit,
        "threads": limits.threads,
        "lock_configuration": True,  # must come last in effect: no SET/RESET can undo the above
    }
