"""Data sources the agent can query: each gives its schema and runs SQL in its own sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ..results import QueryResult
from ..schema import Schema
from .sample_db import ensure_sample_db
from .sandbox import DuckDBSandbox, SandboxLimits

SAMPLE = "sample"  # `--db sample`: the built-in sample database


class Source(Protocol):
    name: str
    dialect: str
    key: str  # stable across runs: the semantic model saved for this source is found by it

    @property
    def schema(self) -> Schema: ...

    def run(self, sql: str, max_rows: int | None = None) -> QueryResult: ...

    def close(self) -> None: ...


class DuckDBSource:
    dialect = "duckdb"

    def __init__(
        self,
        path: str | Path,
        limits: SandboxLimits | None = None,
        name: str | None = None,
        key: str | None = None,
    ):
        self.path = Path(path)
        self.name = name or self.path.stem
        self.key = key or f"duckdb:{self.path.resolve()}"
        self.sandbox = DuckDBSandbox(self.path, limits or SandboxLimits())
        self._schema: Schema | None = None

    @property
    def schema(self) -> Schema:
        if self._schema is None:
            self._schema = self.sandbox.schema()
        return self._schema

    def run(self, sql: str, max_rows: int | None = None) -> QueryResult:
        return self.sandbox.run(sql, max_rows)

    def close(self) -> None:
        self.sandbox.close()


def open_source(db: str, limits: SandboxLimits | None = None) -> Source:
    """`db`: "sample", "snowflake" (credentials from the environment), or a DuckDB file's path."""
    if db == SAMPLE:
        return DuckDBSource(ensure_sample_db(), limits, name="Sample retail database", key=SAMPLE)
    if db == "snowflake":
        from .snowflake_source import SnowflakeSource

        return SnowflakeSource.from_environment(limits=limits)
    return DuckDBSource(db, limits)
