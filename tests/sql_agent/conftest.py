"""Fixtures for the SQL agent tests: the sample database and a small scratch database per test."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from sql_agent.execution.sample_db import ensure_sample_db
from sql_agent.execution.sandbox import SandboxLimits
from sql_agent.execution.sources import DuckDBSource

REPO_ROOT = Path(__file__).resolve().parents[2]
EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def sample_db_path(tmp_path_factory) -> Path:
    # Built once per run, in a temporary data dir: tests never touch the user's ~/.floe.
    data_dir = tmp_path_factory.mktemp("floe-data")
    os.environ["FLOE_DATA_DIR"] = str(data_dir)
    return ensure_sample_db()


@pytest.fixture(scope="session")
def sample_source(sample_db_path) -> DuckDBSource:
    source = DuckDBSource(sample_db_path, SandboxLimits(timeout_s=30))
    yield source
    source.close()


@pytest.fixture(scope="session")
def sample_schema(sample_source):
    return sample_source.schema


@pytest.fixture
def scratch_db(tmp_path) -> Path:
    """A tiny database with one table of known content, and a secret file beside it."""
    path = tmp_path / "scratch.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner VARCHAR, balance DOUBLE)")
        conn.execute("INSERT INTO accounts SELECT i, 'owner ' || i, i * 10.0 FROM range(1, 101) t(i)")
    (tmp_path / "secret.csv").write_text("token\nTOP-SECRET-42\n")
    return path
