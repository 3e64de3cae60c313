"""The SQL grammar, judged by llama.cpp's own grammar engine (the tiny model's vocabulary only):
names outside the linked tables cannot be written; ordinary queries over them can."""

import pytest

from sql_agent.generation.grammar import sql_grammar
from sql_agent.schema import Column, Table
from tests.grammar_check import reply_fits

llama_cpp = pytest.importorskip("llama_cpp")


@pytest.fixture(scope="module")
def vocab_model(gguf_path):
    return llama_cpp.Llama(model_path=gguf_path, vocab_only=True, verbose=False)


def accepts(llm, grammar: str, sql: str) -> bool:
    return reply_fits(llm, grammar, f"```sql\n{sql}\n```")


@pytest.fixture(scope="module")
def grammar(sample_schema):
    return sql_grammar([sample_schema.table("customers"), sample_schema.table("orders")])


def test_the_grammar_rejects_an_unknown_column_and_table(vocab_model, grammar):
    assert not accepts(vocab_model, grammar, "SELECT customer_email FROM customers")
    assert not accepts(vocab_model, grammar, "SELECT c.fullname FROM customers c")
    assert not accepts(vocab_model, grammar, "SELECT count(*) FROM clients")
    # a real table outside the linked slice is unknown to this question too
    assert not accepts(vocab_model, grammar, "SELECT count(*) FROM products")


def test_the_grammar_accepts_ordinary_queries_over_the_linked_tables(vocab_model, grammar):
    for sql in (
        "SELECT count(*) FROM customers",
        "SELECT c.segment, count(*) AS n FROM customers c JOIN orders o ON o.customer_id = c.customer_id "
        "WHERE o.status = 'shipped' GROUP BY c.segment ORDER BY n DESC LIMIT 5;",
        "SELECT strftime(order_date, '%Y-%m') AS month, count(*) FROM orders GROUP BY ALL ORDER BY month",
        "select CAST(count(*) AS DOUBLE) / 2 from ORDERS where channel ILIKE '%web%'",
        "WITH monthly AS (SELECT date_trunc('month', order_date) AS m FROM orders) SELECT m FROM monthly",
        "SELECT cust.segment, count(*) total FROM customers cust GROUP BY cust.segment ORDER BY total",
        "SELECT substr(segment, 1, 1) AS initial, round(avg(customer_id), 2) mean FROM customers GROUP BY initial",
    ):
        assert accepts(vocab_model, grammar, sql), sql


def test_a_table_in_a_named_schema_can_be_written_qualified_or_not(vocab_model):
    coupons = Table("consumer_div.coupons", (Column("code", "VARCHAR"), Column("discount", "DOUBLE")))
    grammar = sql_grammar([coupons])
    assert accepts(vocab_model, grammar, "SELECT code FROM consumer_div.coupons WHERE discount > 0.1")
    assert accepts(vocab_model, grammar, "SELECT count(*) FROM coupons")
    assert not accepts(vocab_model, grammar, "SELECT code FROM consumer_div.merchants")
