"""The Snowflake path through the real connector, served by fakesnow (DuckDB underneath).

fakesnow cannot cover: the server-side STATEMENT_TIMEOUT_IN_SECONDS and query cancellation (no
long-running server), SHOW PRIMARY KEYS and foreign keys, column comments set by COMMENT clauses,
stages, RESULT_SCAN, and real authentication; those are exercised only against a real account.
"""

import fakesnow
import pytest
import snowflake.connector

from sql_agent.execution.sandbox import DatabaseError, SandboxLimits
from sql_agent.execution.snowflake_source import SnowflakeSource
from sql_agent.generation.agent import SqlAgent
from sql_agent.safety.validate import check_sql
from sql_agent.semantic.draft import draft_semantic_model, to_yaml
from sql_agent.semantic.edit import add_verified_query
from sql_agent.semantic.model import parse_semantic_model

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output:UserWarning")  # fakesnow internals


@pytest.fixture
def snowflake_source():
    with fakesnow.patch():
        conn = snowflake.connector.connect(database="SHOP", schema="PUBLIC")
        cur = conn.cursor()
        cur.execute("CREATE TABLE REGIONS (REGION_ID INT, REGION_NAME VARCHAR)")
        cur.execute("INSERT INTO REGIONS VALUES (1, 'North'), (2, 'South'), (3, 'East')")
        cur.execute("CREATE TABLE SALES (SALE_ID INT, REGION_ID INT, AMOUNT NUMBER(10, 2), SOLD_ON DATE)")
        cur.execute(
            "INSERT INTO SALES SELECT seq4(), 1 + seq4() % 3, (seq4() % 100) + 0.5, "
            "DATEADD(day, seq4() % 365, '2024-01-01'::DATE) FROM TABLE(GENERATOR(ROWCOUNT => 2500))"
        )
        cur.close()
        source = SnowflakeSource(conn, SandboxLimits(max_rows=100, count_rows_up_to=10_000))
        yield source
        source.close()


def test_introspection_lists_tables_columns_and_sample_values(snowflake_source):
    schema = snowflake_source.schema
    assert schema.dialect == "snowflake"
    assert {t.name for t in schema.tables} == {"REGIONS", "SALES"}
    sales = schema.table("sales")
    assert [c.name for c in sales.columns] == ["SALE_ID", "REGION_ID", "AMOUNT", "SOLD_ON"]
    region_name = schema.table("REGIONS").column("REGION_NAME")
    assert set(region_name.samples) <= {"'North'", "'South'", "'East'"} and region_name.samples


def test_rows_are_fetched_in_batches_up_to_the_cap(snowflake_source):
    result = snowflake_source.run("SELECT * FROM SALES ORDER BY SALE_ID")
    assert len(result.rows) == 100
    assert result.more_rows == 2400 and result.truncation_note == "2,400 more rows not shown"


def test_snowflake_sql_is_validated_then_runs(snowflake_source):
    sql = "SELECT r.REGION_NAME, IFF(SUM(s.AMOUNT) > 0, 'yes', 'no') AS SOLD FROM SALES s JOIN REGIONS r ON r.REGION_ID = s.REGION_ID GROUP BY 1"
    checked = check_sql(sql, "snowflake", snowflake_source.schema)
    assert checked.allowed, checked.reason
    result = snowflake_source.run(checked.sql)
    assert sorted(r[0] for r in result.rows) == ["East", "North", "South"]


def test_unknown_column_and_writes_are_refused_before_reaching_snowflake(snowflake_source):
    assert check_sql("SELECT AMMOUNT FROM SALES", "snowflake", snowflake_source.schema).exit_code == 4
    assert check_sql("DELETE FROM SALES", "snowflake", snowflake_source.schema).exit_code == 3
    assert snowflake_source.run("SELECT COUNT(*) FROM SALES").rows == [(2500,)]


def test_database_errors_come_back_as_messages(snowflake_source):
    with pytest.raises(DatabaseError):
        snowflake_source.run("SELECT * FROM NO_SUCH_TABLE")


def test_the_agent_repairs_against_snowflake(snowflake_source):
    replies = iter(
        [
            "SELECT REGION, COUNT(*) FROM SALES GROUP BY 1",
            "SELECT REGION_ID, COUNT(*) AS N FROM SALES GROUP BY 1",
        ]
    )
    answer = SqlAgent(snowflake_source, lambda messages: next(replies)).ask("How many sales per region?")
    assert [a.outcome for a in answer.attempts] == ["invalid", "ok"]
    assert sorted(r[1] for r in answer.result.rows) == [833, 833, 834]


def test_a_drafted_model_for_snowflake_joins_by_key_and_its_verified_sql_runs(snowflake_source):
    draft = draft_semantic_model(snowflake_source.schema, snowflake_source.name)
    assert [t["name"] for t in draft["tables"]] == ["REGIONS", "SALES"]
    [join] = draft["relationships"]
    assert (join["left_table"], join["right_table"]) == ("SALES", "REGIONS")
    assert join["relationship_columns"] == [{"left_column": "REGION_ID", "right_column": "REGION_ID"}]
    sql = "SELECT r.REGION_NAME, SUM(s.AMOUNT) AS TOTAL FROM SALES s JOIN REGIONS r ON r.REGION_ID = s.REGION_ID GROUP BY 1"
    text, _ = add_verified_query(to_yaml(draft), "Total sales by region?", sql, "ann@example.com")
    model, problems = parse_semantic_model(text, snowflake_source.schema)
    assert problems == []

    def model_must_not_be_called(messages, **options):
        raise AssertionError("the model was asked although a verified query matches")

    answer = SqlAgent(snowflake_source, model_must_not_be_called, model).ask("total sales by region")
    assert answer.verified and sorted(r[0] for r in answer.result.rows) == ["East", "North", "South"]


def test_the_value_index_is_built_with_bounded_queries_and_grounds_literals(snowflake_source):
    from sql_agent.grounding import build_value_index, literal_notes, match_values

    index = build_value_index(snowflake_source)
    assert index.column("REGIONS", "REGION_NAME").values == ("East", "North", "South")
    assert [m.shown() for m in match_values("Sales in the north?", index)] == [
        "north → REGIONS.REGION_NAME = 'North'"
    ]
    sql = "SELECT count(*) FROM SALES JOIN REGIONS USING (REGION_ID) WHERE REGION_NAME = 'NORTH'"
    notes = literal_notes(sql, "snowflake", snowflake_source.schema, index, proven=True)
    assert notes == ["'NORTH' is not a value of REGIONS.REGION_NAME; it holds 'North'."]
