"""SQL extraction from replies, chart rules, grounded answers and follow-ups."""

import altair as alt
import pytest

from sql_agent.answers.chart import choose_chart
from sql_agent.answers.summary import is_grounded, summarise
from sql_agent.generation.extract import extract_sql
from sql_agent.results import QueryResult


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("```sql\nSELECT 1;\n```", "SELECT 1"),
        ("Sure! Here is the query:\n```\nSELECT a FROM t\n```\nIt selects a.", "SELECT a FROM t"),
        ("SELECT a FROM t WHERE b = 'x;y';\nThis query finds rows.", "SELECT a FROM t WHERE b = 'x;y'"),
        ("The answer:\nWITH x AS (SELECT 1) SELECT * FROM x", "WITH x AS (SELECT 1) SELECT * FROM x"),
        ("```sql\nDROP TABLE t;\n```", "DROP TABLE t"),
        ("```sql\nSELECT 1\n", "SELECT 1"),
        ("I cannot help with that.", None),
    ],
)
def test_sql_is_found_in_replies(reply, expected):
    assert extract_sql(reply) == expected


def _chart_for(source, sql):
    result = source.run(sql)
    spec = choose_chart(result)
    if spec:
        # a valid Vega-Lite spec once the data is attached
        records = result.to_dataframe().astype(str).to_dict("records")
        alt.Chart.from_dict({**spec, "data": {"values": records}})
    return spec


def test_time_series_gets_a_line_chart(sample_source):
    spec = _chart_for(
        sample_source,
        "SELECT date_trunc('month', order_date) AS month, count(*) AS n FROM orders GROUP BY 1 ORDER BY 1",
    )
    assert spec["mark"]["type"] == "line" and spec["encoding"]["x"]["type"] == "temporal"


def test_categories_get_a_bar_chart(sample_source):
    spec = _chart_for(sample_source, "SELECT channel, count(*) AS n FROM orders GROUP BY 1")
    assert spec["mark"]["type"] == "bar" and spec["encoding"]["y"]["field"] == "channel"


def test_years_as_numbers_are_an_ordinal_axis(sample_source):
    spec = _chart_for(
        sample_source, "SELECT year(order_date) AS order_year, count(*) AS n FROM orders GROUP BY 1"
    )
    assert spec["encoding"]["x"] == {"field": "order_year", "type": "ordinal"}


def test_a_single_number_gets_no_chart(sample_source):
    assert _chart_for(sample_source, "SELECT count(*) AS n FROM orders") is None


def test_two_measures_get_a_scatter_plot(sample_source):
    spec = _chart_for(sample_source, "SELECT list_price, unit_cost FROM products")
    assert spec["mark"]["type"] == "point"


def test_summary_quotes_only_numbers_from_the_result(sample_source):
    result = sample_source.run("SELECT channel, count(*) AS n FROM orders GROUP BY 1")
    text = summarise(result)
    assert is_grounded(text.split(" They add up to")[0], result)  # the total is the only derived number
    best = max(result.rows, key=lambda r: r[1])
    assert f"{best[1]:,}" in text and best[0] in text


def test_grounding_check_catches_an_invented_number():
    result = QueryResult(["n"], ["BIGINT"], [(42,)])
    assert is_grounded("There are 42 orders.", result)
    assert not is_grounded("There are 43 orders.", result)


def test_empty_result_is_said_plainly():
    assert "no rows" in summarise(QueryResult(["a"], ["INTEGER"], []))


def test_a_duration_column_is_described_not_summed():
    """DuckDB's INTERVAL starts with "INT"; read as a number, "they add up to" crashed on timedelta."""
    import datetime as dt

    result = QueryResult(
        ["store", "wait"],
        ["VARCHAR", "INTERVAL"],
        [("North", dt.timedelta(days=3)), ("South", dt.timedelta(hours=5))],
    )
    text = summarise(result)
    assert text == "2 rows. The first is: store North, wait 3 days, 0:00:00."
    chart = choose_chart(result)
    assert chart is None or "wait" not in str(chart.get("encoding", {}).get("y", {}))
