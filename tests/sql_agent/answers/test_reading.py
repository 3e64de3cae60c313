"""The plain reading of a query, from its tree and no model: the wording a person checks against
their question, on hand-written queries and on every gold query of both evaluation suites."""

from __future__ import annotations

import pytest

from sql_agent.analyses.store import answer_from_record, answer_to_record
from sql_agent.answers.reading import read_query
from sql_agent.generation.agent import SqlAgent
from sql_agent.semantic.model import SemanticColumn, SemanticModel, reading_labels

from ..conftest import EVAL_DIR

CASES = [
    (
        "SELECT date_trunc('month', o.order_date) AS month, SUM(o.amount) AS revenue FROM orders o "
        "WHERE year(o.order_date) = 2023 GROUP BY 1 ORDER BY revenue DESC",
        "For each month of orders.order_date: the sum of orders.amount (as revenue); from orders; "
        "where the year of orders.order_date is 2023; highest first.",
    ),
    (
        "SELECT country, SUM(units * unit_price) AS revenue FROM orders GROUP BY country "
        "ORDER BY revenue DESC LIMIT 1",
        "For each country: the sum of units × unit_price (as revenue); from orders; highest first; "
        "only the first row.",
    ),
    ("SELECT count(*) FROM customers", "The number of rows; from customers."),
    (
        "SELECT count(DISTINCT c.city) FROM customers c JOIN orders o ON o.customer_id = c.id "
        "WHERE o.status IN ('Shipped', 'Completed')",
        "The number of distinct customers.city; from customers, joined with orders on "
        "orders.customer_id is customers.id; where orders.status is one of ('Shipped', 'Completed').",
    ),
    (
        "SELECT name FROM products WHERE name ILIKE '%lamp%' AND price BETWEEN 10 AND 20 "
        "AND discontinued IS NULL ORDER BY name LIMIT 5",
        "name; from products; where name contains 'lamp', in any case and price is between 10 and 20 "
        "and discontinued is missing; ordered by name; only the first 5 rows.",
    ),
    (
        "SELECT c.name FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
        "customers.name; from customers; where there is no row in orders where orders.customer_id is customers.id.",
    ),
    (
        "WITH big AS (SELECT customer_id, SUM(amount) AS spent FROM orders GROUP BY customer_id "
        "HAVING SUM(amount) > 1000) SELECT count(*) FROM big",
        "Using big (for each customer_id: the sum of amount (as spent); from orders; keeping the groups "
        "where the sum of amount is more than 1000); the number of rows; from big.",
    ),
    (
        "SELECT count(*) FROM events WHERE happened_at >= date_trunc('year', current_date) - INTERVAL 2 YEAR",
        "The number of rows; from events; where happened_at is at least the start of the year of today − 2 years.",
    ),
    (
        "SELECT city FROM shops UNION SELECT city FROM depots",
        "city; from shops; combined with: city; from depots.",
    ),
]


@pytest.mark.parametrize("sql, reading", CASES)
def test_the_reading_says_what_the_query_computes(sql, reading):
    assert read_query(sql) == reading


def test_the_semantic_models_words_follow_the_columns_they_describe():
    model = SemanticModel(
        "shop",
        columns=(
            SemanticColumn("orders", "amount", "Order total in EUR"),
            SemanticColumn(
                "orders", "st", "A very long description that would drown the reading entirely", ("status",)
            ),
        ),
    )
    reading = read_query("SELECT st, sum(o.amount) FROM orders o GROUP BY st", labels=reading_labels(model))
    assert reading == "For each st (status): the sum of orders.amount (Order total in EUR); from orders."


def test_sql_that_does_not_parse_has_no_reading():
    assert read_query("SELEC nothing FROM") == ""


def _gold_queries():
    from sql_agent.evaluation.suites import load_suite

    if not EVAL_DIR.is_dir():
        pytest.skip(f"no evaluation data at {EVAL_DIR}")
    return [
        (item.key, gold)
        for suite in ("duckdb-nsql", "defog")
        for item in load_suite(suite, EVAL_DIR).items
        for gold in item.gold
    ]


def test_every_gold_query_of_both_suites_has_a_reading():
    golds = _gold_queries()
    assert len(golds) > 300
    unread = [key for key, gold in golds if not read_query(gold).endswith(".")]
    assert unread == []
    # the words come from the tree: most readings say what is counted or summed and from where
    worded = [
        gold for _, gold in golds if " from " in read_query(gold) or read_query(gold).startswith("From")
    ]
    assert len(worded) > 0.9 * len(golds)


def test_an_answer_carries_its_reading_into_the_saved_analysis(sample_source):
    sql = "SELECT segment, count(*) AS customers FROM customers GROUP BY segment ORDER BY customers DESC"
    answer = SqlAgent(sample_source, lambda messages, **options: sql).ask("How many customers per segment?")
    assert (
        answer.reading
        == "For each segment: the number of rows (as customers); from customers; highest first."
    )
    assert answer_from_record(answer_to_record(answer, "sample")).reading == answer.reading
