"""Runs a query on DuckDB in a sandbox: read-only, no files or network, locked settings, memory
limit, a per-query timeout and a row cap. This holds even for SQL that never went through policy.py."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .results import QueryResult


@dataclass(frozen=True)
class SandboxLimits:
    timeout_s: float = 20.0
    max_rows: int = 1000  # rows returned to the caller
    count_rows_up_to: int = 100_000  # beyond the returned rows, count this many more for "N more rows"
    memory_limit: str = "1GB"
    threads: int = 2
    batch_rows: int = 2048


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
        self._conn = duckdb.connect(str(self.path), read_only=True, config=sandbox_config(self.limits))

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        return self._conn

    def close(self) -> None:
        self._conn.close()

    def run(self, sql: str, max_rows: int | None = None) -> QueryResult:
        """Execute one statement; fetch at most max_rows rows, and count the rest up to a bound."""
        max_rows = self.limits.max_rows if max_rows is None else max_rows
        # A fresh cursor per query: a failed or open transaction cannot leak into the next query.
        cursor = self._conn.cursor()
        timer = threading.Timer(self.limits.timeout_s, cursor.interrupt)
        started = time.perf_counter()
        timer.start()
        try:
            cursor.execute(sql)
            columns = [d[0] for d in cursor.description or []]
            types = [str(d[1]) for d in cursor.description or []]
            rows = _fetch(cursor, max_rows, self.limits.batch_rows)
            first_page_s = time.perf_counter() - started
            more, more_is_exact = _count_rest(cursor, self.limits.count_rows_up_to, self.limits.batch_rows)
        except duckdb.InterruptException:
            raise QueryTimeout(
                f"The query ran longer than {self.limits.timeout_s:g} s and was stopped."
            ) from None
        except duckdb.Error as err:
            raise DatabaseError(str(err)) from None
        finally:
            timer.cancel()
            cursor.close()
        return QueryResult(
            columns=columns,
            types=types,
            rows=rows,
            more_rows=more,
            more_rows_exact=more_is_exact,
            first_page_s=first_page_s,
            elapsed_s=time.perf_counter() - started,
        )


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


def _fetch(cursor, max_rows: int, batch_rows: int) -> list[tuple]:
    rows: list[tuple] = []
    while len(rows) < max_rows:
        batch = cursor.fetchmany(min(batch_rows, max_rows - len(rows)))
        if not batch:
            break
        rows.extend(batch)
    return rows


def _count_rest(cursor, bound: int, batch_rows: int) -> tuple[int, bool]:
    counted = 0
    while counted < bound:
        batch = cursor.fetchmany(min(batch_rows * 8, bound - counted))
        if not batch:
            return counted, True
        counted += len(batch)
    return counted, not cursor.fetchmany(1)
