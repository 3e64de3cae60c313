"""The DuckDB sandbox refuses to change data or touch files even when validation is bypassed,
stops slow queries, and caps the rows it returns."""

import os
import threading
import time

import duckdb
import pytest

from sql_agent.execution.sandbox import DatabaseError, DuckDBSandbox, QueryTimeout, SandboxLimits

from ..safety.test_policy import DESTRUCTIVE, EXFILTRATING


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


# One long scalar call: DuckDB checks for an interrupt only between calls, so a thread calling
# cursor.interrupt() waits for it (about 10 s on a free core); killing its worker does not.
IGNORES_INTERRUPT = "SELECT md5(repeat('x', 1000000000))"


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_query_that_ignores_interrupt_is_killed_at_the_deadline(scratch_db):
    sandbox = DuckDBSandbox(scratch_db, SandboxLimits(timeout_s=2, warm_workers=1))
    try:
        [worker] = sandbox.worker_pids
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="longer than 2 s"):
            sandbox.run(IGNORES_INTERRUPT)
        assert time.monotonic() - started < 15  # generous: the kill comes at 2 s
        assert not _is_running(worker), "the worker running the query is still alive"
        assert worker not in sandbox.worker_pids
        assert sandbox.run("SELECT count(*) FROM accounts").rows == [(100,)]
    finally:
        sandbox.close()


def test_a_query_needing_more_memory_than_allowed_fails_clearly(scratch_db):
    sandbox = DuckDBSandbox(scratch_db, SandboxLimits(memory_limit="256MB", address_space_mb=2048))
    try:
        with pytest.raises(DatabaseError, match="(?i)out of memory"):
            sandbox.run("SELECT length(repeat('x', 2000000000))")
        assert sandbox.run("SELECT 42").rows == [(42,)]
    finally:
        sandbox.close()


def test_a_result_too_large_to_send_back_is_refused_clearly(scratch_db):
    sandbox = DuckDBSandbox(scratch_db, SandboxLimits(max_result_mb=1))
    try:
        with pytest.raises(DatabaseError, match="over the 1 MB a query may return"):
            sandbox.run("SELECT repeat('x', 100000) FROM range(50)")
    finally:
        sandbox.close()


def test_results_are_what_duckdb_returns(scratch_db):
    sql = (
        "SELECT id, owner, balance, CAST(balance AS DECIMAL(18,2)) AS exact, DATE '2024-01-01' + id AS day, "
        "[id, id * 2] AS pair, {'k': owner} AS info, NULL AS nothing FROM accounts ORDER BY id"
    )
    with duckdb.connect(str(scratch_db), read_only=True) as conn:
        cursor = conn.execute(sql)
        expected_rows = cursor.fetchall()
        expected_types = [str(d[1]) for d in cursor.description]
    sandbox = DuckDBSandbox(scratch_db)
    try:
        result = sandbox.run(sql)
    finally:
        sandbox.close()
    assert result.rows == expected_rows
    assert result.types == expected_types
    assert result.columns == ["id", "owner", "balance", "exact", "day", "pair", "info", "nothing"]
    assert result.more_rows == 0 and result.first_page_s <= result.elapsed_s


def test_a_file_duckdb_cannot_open_is_a_clear_error(tmp_path):
    not_a_database = tmp_path / "notes.duckdb"
    not_a_database.write_text("just text")
    with pytest.raises(DatabaseError, match="(?i)not a valid duckdb|database file"):
        DuckDBSandbox(not_a_database)


def test_closing_stops_every_worker(scratch_db):
    sandbox = DuckDBSandbox(scratch_db)
    workers = sandbox.worker_pids
    sandbox.close()
    assert workers and not any(_is_running(pid) for pid in workers)


def test_other_queries_are_answered_while_one_runs_and_close_stops_it(scratch_db):
    sandbox = DuckDBSandbox(scratch_db, SandboxLimits(timeout_s=120))
    outcome = []

    def endless():
        try:
            sandbox.run("SELECT count(*) FROM range(1000000000000)")  # hours of work
        except (DatabaseError, QueryTimeout) as err:
            outcome.append(err)

    heavy = threading.Thread(target=endless)
    heavy.start()
    try:
        assert sandbox.run("SELECT count(*) FROM accounts").rows == [(100,)]
        assert heavy.is_alive(), "the endless query ended on its own"
    finally:
        sandbox.close()
        heavy.join()
    assert isinstance(outcome[0], DatabaseError) and "data source was closed" in str(outcome[0])
