"""The command-line contract: JSON verdicts, CSV output and exit codes 0/3/4/5."""

import csv
import io
import json
import os
import subprocess
import sys

from .conftest import REPO_ROOT


def cli(*args, data_dir=None):
    env = dict(os.environ)
    if data_dir:
        env["FLOE_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "sql_agent", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=120,
    )


def test_check_allows_a_query_and_prints_the_sql_that_will_run():
    out = cli("check", "--dialect", "duckdb", "SELECT 42 AS answer")
    assert out.returncode == 0
    verdict = json.loads(out.stdout)
    assert verdict["allowed"] is True and "42" in verdict["sql"] and verdict["reason"]


def test_check_blocks_a_write_with_exit_3():
    out = cli("check", "--dialect", "snowflake", "DELETE FROM orders")
    assert out.returncode == 3
    verdict = json.loads(out.stdout)
    assert verdict == {"allowed": False, "reason": verdict["reason"], "sql": "DELETE FROM orders"}
    assert "DELETE" in verdict["reason"]


def test_check_reports_unknown_names_with_exit_4(scratch_db):
    out = cli("check", "--dialect", "duckdb", "--db", str(scratch_db), "SELECT balanse FROM accounts")
    assert out.returncode == 4
    assert "Did you mean balance" in json.loads(out.stdout)["reason"]


def test_run_prints_csv_with_a_header_and_caps_rows(scratch_db):
    out = cli("run", "--db", str(scratch_db), "--max-rows", "5", "SELECT id, owner FROM accounts ORDER BY id")
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == ["id", "owner"] and rows[1] == ["1", "owner 1"] and len(rows) == 6
    assert "95 more rows not shown" in out.stderr


def test_run_refuses_a_write_and_leaves_the_table_alone(scratch_db):
    out = cli("run", "--db", str(scratch_db), "DROP TABLE accounts")
    assert out.returncode == 3
    after = cli("run", "--db", str(scratch_db), "SELECT count(*) AS n FROM accounts")
    assert after.stdout.splitlines() == ["n", "100"]


def test_run_reports_a_database_error_with_exit_5(scratch_db):
    out = cli("run", "--db", str(scratch_db), "SELECT CAST(owner AS INTEGER) FROM accounts")
    assert out.returncode == 5
    assert "Conversion Error" in out.stderr


def test_run_with_sample_builds_the_sample_database(tmp_path):
    out = cli("run", "--db", "sample", "SELECT count(*) AS n FROM orders", data_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.splitlines()[1]) > 100_000
