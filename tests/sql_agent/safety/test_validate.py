"""Validation against the schema: did-you-mean messages, dialect translation, row cap."""

import pytest

from sql_agent.safety.validate import check_sql


def test_misspelled_column_suggests_the_real_one(sample_schema):
    checked = check_sql("SELECT segmnt, count(*) FROM customers GROUP BY 1", "duckdb", sample_schema)
    assert checked.outcome == "invalid" and checked.exit_code == 4
    assert "segmnt" in checked.reason and "Did you mean segment" in checked.reason


def test_misspelled_table_suggests_the_real_one(sample_schema):
    checked = check_sql("SELECT * FROM order_item", "duckdb", sample_schema)
    assert checked.exit_code == 4
    assert "no table named order_item" in checked.reason and "order_items" in checked.reason


def test_column_from_a_table_not_in_the_query_names_its_table(sample_schema):
    checked = check_sql("SELECT category_name FROM products", "duckdb", sample_schema)
    assert checked.exit_code == 4
    assert "categories.category_name" in checked.reason


def test_ambiguous_column_asks_for_a_qualifier_with_the_aliases(sample_schema):
    # an outer join: the two customer_id differ where no customer matches, so nothing is guessed
    sql = "SELECT customer_id FROM orders o LEFT JOIN customers c ON o.customer_id = c.customer_id"
    checked = check_sql(sql, "duckdb", sample_schema)
    assert checked.exit_code == 4
    assert "o.customer_id" in checked.reason and "c.customer_id" in checked.reason


def test_a_join_key_left_unqualified_is_qualified_and_answers_as_written(sample_source):
    sql = (
        "SELECT customer_id, count(*) AS orders FROM orders o JOIN customers c "
        "ON o.customer_id = c.customer_id WHERE segment = 'Consumer' GROUP BY customer_id ORDER BY customer_id"
    )
    checked = check_sql(sql, "duckdb", sample_source.schema)
    assert checked.allowed, checked.reason
    assert "Qualified customer_id as o.customer_id" in checked.reason
    by_hand = sql.replace("SELECT customer_id", "SELECT o.customer_id").replace(
        "BY customer_id", "BY o.customer_id"
    )
    assert sample_source.run(checked.sql).rows == sample_source.run(by_hand).rows


def test_a_shared_column_the_join_does_not_equate_stays_ambiguous(sample_schema):
    sql = "SELECT customer_id FROM orders o JOIN customers c ON o.order_id = c.customer_id"
    checked = check_sql(sql, "duckdb", sample_schema)
    assert checked.exit_code == 4 and "more than one table" in checked.reason


def test_a_column_only_an_unread_table_has_is_said_to_be_outside_the_query(sample_schema):
    checked = check_sql("SELECT o.segment FROM orders o", "duckdb", sample_schema)
    assert "no column named segment in the tables this query reads" in checked.reason
    assert "customers.segment" in checked.reason


def test_a_column_on_the_wrong_alias_names_the_tables_that_have_it(sample_schema):
    sql = (
        "SELECT p.customer_id, count(*) FROM orders o JOIN customers c ON o.customer_id = c.customer_id "
        "JOIN order_items i ON i.order_id = o.order_id JOIN products p ON p.product_id = i.product_id GROUP BY 1"
    )
    checked = check_sql(sql, "duckdb", sample_schema)
    assert checked.exit_code == 4
    assert "no column named customer_id in products (as p)" in checked.reason
    assert "o.customer_id or c.customer_id" in checked.reason and "more than one table" not in checked.reason


def test_an_alias_the_query_never_defines_is_named_as_such(sample_source):
    # was "first_name is in more than one table" or nothing at all, depending on the column
    sql = "SELECT c.first_name FROM customers JOIN orders ON orders.customer_id = customers.customer_id"
    checked = check_sql(sql, "duckdb", sample_source.schema)
    assert checked.exit_code == 4
    assert "no table or alias named c where c.first_name is used" in checked.reason
    assert "Did you mean customers.first_name?" in checked.reason
    assert check_sql(
        sql.replace("c.first_name", "customers.first_name"), "duckdb", sample_source.schema
    ).allowed


def test_suggestions_name_the_table_the_question_asks_about_first(sample_schema):
    # asked about PCs and told "laptops.ram or pcs.ram", the model took the first one
    sql = "SELECT region_id, count(*) FROM products GROUP BY 1"
    assert "Did you mean customers.region_id, regions.region_id or stores.region_id?" in (
        check_sql(sql, "duckdb", sample_schema).reason
    )
    asked = check_sql(sql, "duckdb", sample_schema, question="Which store sells the most products?")
    assert "Did you mean stores.region_id, customers.region_id or regions.region_id?" in asked.reason


def test_a_table_of_the_schema_the_query_does_not_read_keeps_the_column_wording(sample_schema):
    # measured: "no table or alias named review" made the model send defog-171's query back unchanged
    checked = check_sql(
        "SELECT first_name FROM customers ORDER BY orders.order_date", "duckdb", sample_schema
    )
    assert "no column named order_date in the tables this query reads" in checked.reason
    assert "orders.order_date" in checked.reason


def test_a_table_named_though_read_under_an_alias_points_to_the_alias(sample_source):
    sql = "SELECT c.segment, count(*) FROM customers AS c WHERE customers.customer_id > 10 GROUP BY 1"
    checked = check_sql(sql, "duckdb", sample_source.schema)
    assert "no table or alias named customers where customers.customer_id is used" in checked.reason
    assert "Did you mean c.customer_id?" in checked.reason
    fixed = check_sql(sql.replace("customers.customer_id", "c.customer_id"), "duckdb", sample_source.schema)
    assert sample_source.run(fixed.sql).rows


def test_a_subquerys_table_named_outside_it_says_what_the_outside_can_read(sample_schema):
    sql = "SELECT t.order_id, i.quantity FROM (SELECT i.order_id, count(*) AS n FROM order_items i GROUP BY 1) AS t"
    checked = check_sql(sql, "duckdb", sample_schema)
    assert checked.exit_code == 4
    assert "i is read inside a subquery, and only that subquery can name it" in checked.reason
    assert "Outside it, the query reads t (order_id, n)" in checked.reason


def test_unknown_function_is_reported_with_close_names(sample_schema):
    checked = check_sql("SELECT avrage(quantity) FROM order_items", "duckdb", sample_schema)
    assert checked.exit_code == 4 and "avrage" in checked.reason and "avg" in checked.reason


@pytest.mark.parametrize(
    "sql",
    [
        "WITH t AS (SELECT customer_id, count(*) AS n FROM orders GROUP BY 1) SELECT c.first_name, t.n "
        "FROM customers c JOIN t USING (customer_id) ORDER BY t.n DESC",
        "SELECT c.segment AS seg, count(*) AS n FROM customers c GROUP BY seg HAVING n > 10 ORDER BY n",
        "SELECT x.total FROM (SELECT sum(quantity) AS total FROM order_items) x",
        "SELECT list_transform([1, 2], v -> v + 1) AS l",
        # a correlated subquery names the outer query's alias: in reach, not an unknown qualifier
        "SELECT c.first_name FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)",
        "SELECT s.name FROM (SELECT {'name': first_name} AS s FROM customers)",
    ],
)
def test_valid_queries_with_aliases_ctes_and_lambdas_pass(sql, sample_schema):
    checked = check_sql(sql, "duckdb", sample_schema)
    assert checked.allowed, checked.reason


def test_snowflake_sql_is_translated_for_duckdb(sample_source):
    sql = "SELECT IFF(quantity > 2, 'many', 'few') AS size, COUNT(*) AS n FROM order_items GROUP BY 1"
    checked = check_sql(sql, "snowflake", sample_source.schema)
    assert checked.allowed and checked.transpiled_from == "snowflake"
    assert "IFF" not in checked.sql.upper()
    result = sample_source.run(checked.sql)
    assert {row[0] for row in result.rows} == {"many", "few"}


def test_snowflake_function_written_for_duckdb_is_translated(sample_source):
    checked = check_sql("SELECT ZEROIFNULL(NULL) AS z", "duckdb", sample_source.schema)
    assert checked.allowed and checked.transpiled_from == "snowflake"
    assert sample_source.run(checked.sql).rows == [(0,)]


def test_untranslatable_construct_is_an_error_not_a_silent_change(sample_schema):
    # sqlglot cannot carry this TO_CHAR format to DuckDB; dropping it silently would change the answer
    checked = check_sql("SELECT TO_CHAR(order_date, 'YYYY') FROM orders", "snowflake", sample_schema)
    assert not checked.allowed and checked.exit_code == 4
    assert "cannot be translated to duckdb" in checked.reason


def test_row_cap_is_added_only_when_missing(sample_schema):
    capped = check_sql("SELECT * FROM orders", "duckdb", sample_schema, row_cap=500)
    assert capped.sql.rstrip().endswith("LIMIT 500")
    kept = check_sql("SELECT * FROM orders LIMIT 3", "duckdb", sample_schema, row_cap=500)
    assert "LIMIT 3" in kept.sql and "500" not in kept.sql
    union = check_sql("SELECT 1 UNION ALL SELECT 2", "duckdb", sample_schema, row_cap=1)
    assert union.sql.rstrip().endswith("LIMIT 1")


def test_values_root_gets_a_cap_that_runs(sample_source):
    checked = check_sql("VALUES (1), (2), (3)", "duckdb", sample_source.schema, row_cap=2)
    assert len(sample_source.run(checked.sql).rows) == 2
