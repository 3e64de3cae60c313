"""The DuckDB sandbox refuses to change data or touch files even when validation is bypassed,
stops slow queries, and caps the rows it returns."""

import duckdb
import pytest

from sql_agent.sandbox import DatabaseError, DuckDBSandbox, QueryTimeout, SandboxLimits

from .test_policy import DESTRUCTIVE, EXFILTRATING


def _accounts_snapshot(path):
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.sql("SELECT * FROM accounts ORDER BY id").fetchall()


def _on_accounts(sql: str) -> str:
    return sql.replace("orders", "accounts").replace("/tmp/", "{dir}/")


@pytest.mark.parametrize("sql", DESTRUCTIVE + EXFILTRATING)
def test_engine_refuses_what_validation_would_block(sql, scratch_db):
    folder = scratch_db.parent
    before_files = set(folder.iterdir())
    before_rows = _accounts_snapshot(scratch_db)
    statement = _on_accounts(sql).format(dir=folder).replace("'secret.csv'", f"'{folder}/secret.csv'")
    statement = statement.replace('"secret.csv"', f'"{folder}/secret.csv"')

    sandbox = DuckDBSandbox(scratch_db)
    try:
        try:
            result = sandbox.run(statement)
            leaked = str(result.rows)
        except (DatabaseError, QueryTimeout):
            leaked = ""
        # Statements that "succeed" may only be harmless: no secret, no file, no change
        assert "TOP-SECRET" not in leaked
        assert "root:" not in leaked
    finally:
        sandbox.close()
    assert set(folder.iterdir()) == before_files, "a file was created"
    assert _accounts_snapshot(scratch_db) == before_rows, "the table changed"


def test_engine_cannot_read_a_file_next_to_the_database(scratch_db):
    sandbox = DuckDBSandbox(scratch_db)
    with pytest.raises(DatabaseError, match="(?i)disabled|permission"):
        sandbox.run(f"SELECT * FROM read_csv('{scratch_db.parent}/secret.csv')")
    sandbox.close()


def test_settings_cannot_be_unlocked(scratch_db):
    sandbox = DuckDBSandbox(scratch_db)
    with pytest.raises(DatabaseError):
        sandbox.run("SET enable_external_access = true")
    with pytest.raises(DatabaseError, match="(?i)disabled|permission"):
        sandbox.run(f"SELECT * FROM read_csv('{scratch_db.parent}/secret.csv')")
    sandbox.close()


def test_a_failed_transaction_does_not_poison_later_queries(scratch_db):
    sandbox = DuckDBSandbox(scratch_db)
    sandbox.run("BEGIN")
    with pytest.raises(DatabaseError):
        sandbox.run("DELETE FROM accounts")
    assert sandbox.run("SELECT count(*) FROM accounts").rows == [(100,)]
    sandbox.close()


def test_slow_query_is_interrupted_at_the_timeout(scratch_db):
    sandbox = DuckDBSandbox(scratch_db, SandboxLimits(timeout_s=0.5))
    with pytest.raises(QueryTimeout, match="0.5 s"):
        sandbox.run("SELECT count(*) FROM range(100000000000) a")
    # the connection is usable afterwards
    assert sandbox.run("SELECT 42").rows == [(42,)]
    sandbox.close()


def test_rows_are_capped_and_the_rest_counted(scratch_db):
    sandbox = DuckDBSandbox(scratch_db, SandboxLimits(max_rows=7))
    result = sandbox.run("SELECT * FROM accounts ORDER BY id")
    assert len(result.rows) == 7
    assert result.more_rows == 93 and result.more_rows_exact
    assert result.truncation_note == "93 more rows not shown"
    sandbox.close()


def test_counting_stops_at_its_bound(scratch_db):
    sandbox = DuckDBSandbox(scratch_db, SandboxLimits(max_rows=10, count_rows_up_to=50))
    result = sandbox.run("SELECT * FROM range(1000)")
    assert len(result.rows) == 10
    assert result.truncation_note == "at least 50 more rows not shown"
    sandbox.close()
