"""The safety policy blocks destructive and exfiltrating SQL and lets legitimate queries through."""

import pytest

from sql_agent.safety.policy import check_policy

DESTRUCTIVE = [
    "DROP TABLE orders",
    "DELETE FROM orders",
    "UPDATE orders SET status = 'x'",
    "INSERT INTO orders VALUES (1, 1, 1, DATE '2024-01-01', 'Web', 'Completed')",
    "MERGE INTO orders USING customers c ON orders.customer_id = c.customer_id WHEN MATCHED THEN DELETE",
    "TRUNCATE orders",
    "ALTER TABLE orders ADD COLUMN x INTEGER",
    "CREATE TABLE copy AS SELECT * FROM orders",
    "CREATE OR REPLACE VIEW v AS SELECT 1",
    "CREATE MACRO m(a) AS a",
    "CREATE SECRET (TYPE s3, KEY_ID 'x', SECRET 'y')",
    "SELECT * INTO backup FROM orders",
    "WITH gone AS (DELETE FROM orders RETURNING *) SELECT * FROM gone",
    "SELECT 1; DROP TABLE orders",
    "SELECT * FROM orders FOR UPDATE",
    "GRANT SELECT ON orders TO public",
    "BEGIN TRANSACTION",
    "COMMIT",
    "SET memory_limit = '100GB'",
    "RESET memory_limit",
    "PRAGMA enable_profiling",
    "CALL pragma_version()",
    "CHECKPOINT",
    "VACUUM",
    "USE other",
    "DESCRIBE orders",
    "EXPLAIN ANALYZE SELECT 1",
]
EXFILTRATING = [
    "COPY orders TO '/tmp/orders.csv'",
    "COPY orders FROM '/tmp/orders.csv'",
    "EXPORT DATABASE '/tmp/dump'",
    "IMPORT DATABASE '/tmp/dump'",
    "ATTACH '/tmp/other.duckdb' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto(['a.csv', 'b.csv'])",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT content FROM read_blob('/etc/shadow')",
    "SELECT * FROM read_json_auto('https://example.com/x.json')",
    "SELECT * FROM read_parquet('s3://bucket/data.parquet')",
    "SELECT * FROM parquet_scan('x.parquet')",
    "SELECT * FROM glob('/home/*')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM query('DROP TABLE orders')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM 'https://example.com/data.csv'",
    'SELECT * FROM "secret.csv"',
    "SELECT * FROM duckdb_secrets()",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM pragma_table_info('orders')",
    "SELECT getenv('HOME')",
    "SELECT current_setting('memory_limit')",
    "SELECT o.* FROM orders o JOIN read_csv('/etc/passwd') p ON true",
    "SELECT (SELECT count(*) FROM read_text('/etc/hosts')) AS n",
]
SNOWFLAKE_ONLY = [
    "PUT file:///tmp/x.csv @~",
    "LIST @my_stage",
    "SELECT $1 FROM @my_stage/data.csv",
    "SELECT * FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))",
    "SELECT SYSTEM$WHITELIST()",
]
LEGITIMATE = [
    "SELECT 1",
    "FROM orders",
    "SELECT status, count(*) FROM orders GROUP BY ALL ORDER BY 2 DESC",
    "WITH totals AS (SELECT customer_id, count(*) AS n FROM orders GROUP BY 1) SELECT * FROM totals WHERE n > 3",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r",
    "SELECT customer_id, order_date, row_number() OVER (PARTITION BY customer_id ORDER BY order_date) FROM orders",
    "SELECT * FROM orders QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY order_date DESC) = 1",
    "SELECT channel FROM orders UNION SELECT segment FROM customers",
    "SELECT customer_id FROM orders INTERSECT SELECT customer_id FROM customers",
    "SELECT customer_id FROM customers EXCEPT SELECT customer_id FROM orders",
    "SELECT * FROM customers WHERE customer_id IN (SELECT customer_id FROM orders WHERE status = 'Returned')",
    "SELECT 'DROP TABLE orders; DELETE FROM x' AS looks_dangerous, 'read_csv(''/etc/passwd'')' AS also_text",
    "SELECT * FROM range(10)",
    "SELECT * FROM generate_series(1, 3)",
    "SELECT unnest([1, 2, 3])",
    "VALUES (1, 'a'), (2, 'b')",
    "(SELECT 1)",
    "SELECT date_trunc('month', order_date) AS month, sum(1) FROM orders GROUP BY 1",
    "SELECT list_transform([1, 2], x -> x * 2)",
    "SELECT * FROM orders PIVOT (count(*) FOR channel IN ('Web', 'Mobile'))",
]


@pytest.mark.parametrize("sql", DESTRUCTIVE + EXFILTRATING)
@pytest.mark.parametrize("dialect", ["duckdb", "snowflake"])
def test_destructive_and_exfiltrating_sql_is_blocked(sql, dialect):
    verdict = check_policy(sql, dialect)
    assert not verdict.allowed
    assert verdict.reason


@pytest.mark.parametrize("sql", SNOWFLAKE_ONLY)
def test_snowflake_stage_and_system_access_is_blocked(sql):
    assert not check_policy(sql, "snowflake").allowed


@pytest.mark.parametrize("sql", LEGITIMATE)
def test_legitimate_queries_are_allowed(sql):
    verdict = check_policy(sql, "duckdb")
    assert verdict.allowed, verdict.reason


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("DROP TABLE orders", ["DROP"]),
        ("SELECT * FROM read_csv('/etc/passwd')", ["READ_CSV", "not allowed"]),
        ("SELECT 1; SELECT 2", ["one statement"]),
        ("SELECT * FROM 'data.csv'", ["file"]),
        ("SELECT * INTO t2 FROM t", ["INTO"]),
        ("SELEC 1 FORM t", ["parse"]),
    ],
)
def test_reasons_name_the_problem_in_plain_words(sql, words):
    reason = check_policy(sql, "duckdb").reason
    for word in words:
        assert word.lower() in reason.lower()
