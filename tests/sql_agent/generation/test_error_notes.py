"""Repair notes for DuckDB's type and nesting errors, and names that are DuckDB keywords. Each case
runs the failing query on a real database for DuckDB's own message, then checks that the note names
the query's own column and type, and that the way out it suggests runs."""

import duckdb
import pytest

from sql_agent.execution.sandbox import SandboxLimits
from sql_agent.execution.sources import DuckDBSource
from sql_agent.generation.agent import SqlAgent
from sql_agent.generation.repair import repair_notes
from sql_agent.safety.validate import check_sql

from .test_repair import scripted


@pytest.fixture
def clinic(tmp_path):
    """Dates kept as text, years and UNIX times kept as numbers: the shapes that trip a model up."""
    path = tmp_path / "clinic.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE treatments (treatment_id INTEGER, start_dt DATE)")
        conn.execute("CREATE TABLE meds (treatment_id INTEGER, start_dt VARCHAR)")
        conn.execute("CREATE TABLE doctors (doc_id INTEGER, year_reg INTEGER)")
        conn.execute("CREATE TABLE flights (flight_id INTEGER, departure_time BIGINT)")
        conn.execute("CREATE TABLE writes (authorid INTEGER, paperid INTEGER)")
        conn.execute("INSERT INTO treatments VALUES (1, DATE '2024-01-01'), (2, DATE '2024-03-01')")
        conn.execute("INSERT INTO meds VALUES (1, '2024-01-05'), (2, '2024-05-01')")
        conn.execute("INSERT INTO doctors VALUES (1, 2022), (2, 2024)")
        conn.execute("INSERT INTO writes VALUES (1, 10), (1, 11), (1, 12), (2, 10), (3, 11)")
    source = DuckDBSource(path, SandboxLimits(timeout_s=30))
    yield source
    source.close()


def database_error(source, sql):
    with pytest.raises(Exception) as raised:
        source.run(sql)
    return str(raised.value).split("\n\n")[0]  # as the agent keeps it


def notes_for(source, sql):
    return " ".join(repair_notes(sql, database_error(source, sql), source.schema))


def test_a_nested_aggregate_is_shown_as_a_subquery_built_from_the_query(clinic):
    sql = "SELECT COUNT(CASE WHEN COUNT(writes.paperid) >= 3 THEN 1 END) AS prolific FROM writes"
    notes = notes_for(clinic, sql)
    shape = "FROM (SELECT authorid, COUNT(paperid) AS n FROM writes GROUP BY authorid) AS per_authorid"
    assert shape in notes
    assert clinic.run(f"SELECT COUNT(CASE WHEN n >= 3 THEN 1 END) {shape}").rows == [(1,)]


def test_a_column_neither_grouped_nor_aggregated_points_to_group_by_all(clinic):
    sql = "SELECT authorid, paperid, count(*) AS n FROM writes GROUP BY authorid"
    notes = notes_for(clinic, sql)
    assert "paperid is selected but neither grouped nor aggregated" in notes and "GROUP BY ALL" in notes
    assert len(clinic.run(sql.replace("GROUP BY authorid", "GROUP BY ALL")).rows) == 5


def test_a_star_beside_an_aggregate_is_told_to_exclude_the_aggregated_column(clinic):
    # "show the average paper id and group by the remaining columns", the way the model first wrote it
    notes = notes_for(clinic, "SELECT avg(paperid), * FROM writes GROUP BY authorid")
    assert "select * EXCLUDE (paperid) beside the aggregate, and write GROUP BY ALL" in notes
    rows = clinic.run(
        "SELECT avg(paperid), * EXCLUDE (paperid) FROM writes GROUP BY ALL ORDER BY authorid"
    ).rows
    assert rows == [(11.0, 1), (10.0, 2), (11.0, 3)]


def test_a_struct_written_with_arrows_is_shown_duckdbs_struct(clinic):
    sql = "SELECT struct(a => 1, b => 2) AS s"
    for run in (sql, check_sql(sql, "duckdb").sql):  # as written, and as the checker passes it on
        error = database_error(clinic, run)
        assert "{'a': 1, 'b': 2}" in " ".join(repair_notes(sql, error, clinic.schema)), error
    assert clinic.run("SELECT {'a': 1, 'b': 2} AS s").rows == [({"a": 1, "b": 2},)]


def test_extract_on_a_date_difference_says_the_difference_is_already_days(clinic):
    notes = notes_for(clinic, "SELECT EXTRACT(DAY FROM CURRENT_DATE - start_dt) FROM treatments")
    assert "got a number" in notes
    assert "One DATE minus another is already a number of days: CURRENT_DATE - start_dt." in notes


def test_extract_on_a_number_names_the_column_and_its_type(clinic):
    notes = notes_for(clinic, "SELECT EXTRACT(MONTH FROM f.departure_time) FROM flights AS f")
    assert "f.departure_time is BIGINT" in notes and "TO_TIMESTAMP(x)" in notes
    assert clinic.run("SELECT EXTRACT(MONTH FROM TO_TIMESTAMP(departure_time)) FROM flights").columns


def test_an_interval_taken_from_a_year_kept_as_a_number(clinic):
    notes = notes_for(
        clinic, "SELECT doc_id FROM doctors AS d WHERE d.year_reg = d.year_reg - INTERVAL '2' YEAR"
    )
    assert (
        "An INTERVAL can be added to or subtracted from a DATE or TIMESTAMP only; d.year_reg is INTEGER"
        in notes
    )


def test_a_date_written_as_text_is_told_to_take_a_type(clinic):
    sql = "SELECT treatment_id FROM treatments WHERE start_dt >= DATE_TRUNC('quarter', '2024-01-01')"
    notes = notes_for(clinic, sql)
    assert "write DATE '2024-01-01'" in notes
    fixed = "SELECT treatment_id FROM treatments WHERE start_dt >= DATE_TRUNC('quarter', DATE '2024-01-01')"
    assert sorted(clinic.run(fixed).rows) == [(1,), (2,)]


def test_like_on_a_date_points_to_comparisons_and_extract(clinic):
    notes = notes_for(clinic, "SELECT treatment_id FROM treatments WHERE start_dt LIKE '%Saturday%'")
    assert "LIKE and ILIKE compare text; start_dt is DATE" in notes and "EXTRACT(DOW FROM d)" in notes


def test_a_date_kept_as_text_is_told_to_be_cast(clinic):
    sql = (
        "SELECT t.treatment_id FROM treatments AS t JOIN meds AS m ON t.treatment_id = m.treatment_id "
        "WHERE m.start_dt BETWEEN t.start_dt AND t.start_dt + INTERVAL '14' DAY"
    )
    notes = notes_for(clinic, sql)
    assert "CAST(m.start_dt AS DATE); m.start_dt is VARCHAR" in notes
    assert clinic.run(sql.replace("WHERE m.start_dt", "WHERE CAST(m.start_dt AS DATE)")).rows == [(1,)]


def test_an_error_these_notes_do_not_cover_gets_none_of_them(clinic):
    notes = notes_for(clinic, "SELECT doc_id, COUNT(*) FROM doctors")  # GROUP BY: DuckDB's message says it
    assert "INTERVAL" not in notes and "EXTRACT" not in notes and "aggregate cannot" not in notes


def test_a_nested_aggregate_is_repaired_through_the_note(clinic):
    model = scripted(
        "```sql\nSELECT COUNT(CASE WHEN COUNT(paperid) >= 3 THEN 1 END) AS prolific FROM writes\n```",
        "```sql\nSELECT COUNT(CASE WHEN n >= 3 THEN 1 END) AS prolific FROM (SELECT authorid, "
        "COUNT(paperid) AS n FROM writes GROUP BY authorid) AS per_author\n```",
    )
    answer = SqlAgent(clinic, model).ask("How many authors wrote three papers or more?")
    assert answer.ok and answer.result.rows == [(1,)]
    assert "GROUP BY authorid) AS per_authorid" in model.calls[1][0][-1].content
    assert "Aggregate per group" not in answer.attempts[0].message  # the user sees DuckDB's error alone


def test_a_table_alias_that_is_a_duckdb_keyword_is_quoted_and_runs(clinic):
    sql = "SELECT t.treatment_id FROM treatments AS t JOIN meds AS is ON t.treatment_id = is.treatment_id"
    with pytest.raises(Exception, match="syntax error"):
        clinic.run(sql)
    checked = check_sql(sql, "duckdb", clinic.schema)
    assert checked.allowed and 'AS "is"' in checked.sql
    assert sorted(clinic.run(checked.sql).rows) == [(1,), (2,)]


def test_a_text_column_joined_to_a_number_column_is_named_with_both_types(clinic, tmp_path):
    sql = "SELECT t.treatment_id FROM treatments AS t JOIN meds AS m ON t.treatment_id = m.start_dt"
    error = database_error(clinic, sql)
    assert "when casting from source column start_dt" in error
    notes = " ".join(repair_notes(sql, error, clinic.schema))
    assert (
        "t.treatment_id = m.start_dt compares different things (t.treatment_id is INTEGER, m.start_dt is VARCHAR"
        in notes
    )


def test_a_word_compared_with_a_number_column_is_pointed_out(clinic):
    notes = notes_for(clinic, "SELECT doc_id FROM doctors WHERE year_reg = 'Smith'")
    assert "year_reg is INTEGER, a number, and 'Smith' is text" in notes
