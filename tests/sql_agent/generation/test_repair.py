"""What the model is told after a failed attempt: where a missing column lives and how to join its
table, what an undefined alias stands for, and the question asked again when it repeats a failed query."""

import pytest

from sql_agent.generation.agent import SqlAgent
from sql_agent.generation.repair import repair_notes
from sql_agent.safety.validate import check_sql
from sql_agent.schema import Column, Schema, Table


def scripted(*replies):
    """A model that answers with these replies in order, recording prompts and sampling options."""
    calls = []

    def generate(messages, **options):
        calls.append((list(messages), options))
        return replies[len(calls) - 1]

    generate.calls = calls
    return generate


def test_a_column_of_another_table_comes_with_the_join_that_reaches_it(sample_source):
    sql = "SELECT segment, count(*) FROM orders GROUP BY segment"
    error = "There is no column named segment in the tables this query reads. Did you mean customers.segment?"
    notes = " ".join(repair_notes(sql, error, sample_source.schema))
    assert "segment is a column of customers" in notes
    assert "JOIN customers ON orders.customer_id = customers.customer_id" in notes
    assert "orders(order_id" in notes and "status" in notes  # the columns it does have


def test_a_column_put_on_the_wrong_table_names_the_tables_read_that_have_it(sample_source):
    sql = (
        "SELECT p.customer_id FROM orders o JOIN customers c ON o.customer_id = c.customer_id "
        "JOIN order_items i ON i.order_id = o.order_id JOIN products p ON p.product_id = i.product_id"
    )
    error = "There is no column named customer_id in products (as p). Did you mean o.customer_id or c.customer_id?"
    notes = " ".join(repair_notes(sql, error, sample_source.schema))
    assert "Among the tables this query reads, customer_id is a column of orders and customers only." in notes
    assert "JOIN customers ON" not in notes  # it is read already


def test_a_join_is_found_from_a_shared_key_column_where_none_is_declared():
    # defog's academic database declares no keys: writes(aid, pid) links authors to publications
    schema = Schema(
        "duckdb",
        (
            Table("publication", (Column("pid", "BIGINT"), Column("title", "VARCHAR"))),
            Table("writes", (Column("aid", "BIGINT"), Column("pid", "BIGINT"))),
            Table("author", (Column("aid", "BIGINT"), Column("name", "VARCHAR"))),
        ),
    )
    sql = "SELECT count(DISTINCT aid) FROM publication"
    error = "There is no column named aid in the tables this query reads."
    notes = " ".join(repair_notes(sql, error, schema))
    assert "aid is a column of writes and author" in notes
    assert "JOIN writes ON writes.pid = publication.pid" in notes
    assert "JOIN author" not in notes  # author shares no key with publication


def test_a_tables_first_column_shared_by_name_is_offered_as_the_join():
    # duckdb-nsql's laptop database declares no keys and names none "id": every table starts with model
    schema = Schema(
        "duckdb",
        (
            Table("products", (Column("maker", "VARCHAR"), Column("model", "VARCHAR"))),
            Table("pcs", (Column("model", "VARCHAR"), Column("ram", "INTEGER"))),
            Table("laptops", (Column("model", "VARCHAR"), Column("ram", "INTEGER"))),
        ),
    )
    sql = "SELECT DISTINCT maker FROM products WHERE ram > 1500"
    error = "There is no column named ram in the tables this query reads."
    notes = " ".join(repair_notes(sql, error, schema, "Makers of PCs with more than 1500 RAM"))
    assert "ram is a column of pcs and laptops" in notes  # the question's table first
    assert "To read pcs.ram, add JOIN pcs ON pcs.model = products.model." in notes


def test_columns_picked_by_name_are_pointed_to_duckdbs_columns_expression():
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE rides (trip_miles DOUBLE, trip_time INTEGER, fare DOUBLE)")
    con.execute("INSERT INTO rides VALUES (1.5, 600, 9.0)")
    schema = Schema(
        "duckdb",
        (
            Table(
                "rides",
                (Column("trip_miles", "DOUBLE"), Column("trip_time", "INTEGER"), Column("fare", "DOUBLE")),
            ),
        ),
    )
    sql = "SELECT column_name FROM rides WHERE column_name LIKE 'trip_%'"
    error = check_sql(sql, "duckdb", schema).reason
    notes = repair_notes(sql, error, schema)
    suggested = next(n for n in notes if "COLUMNS(" in n).split(": ", 1)[1].rstrip(".")
    assert suggested == "SELECT COLUMNS('^trip_') FROM rides"
    result = con.execute(suggested)
    assert [d[0] for d in result.description] == ["trip_miles", "trip_time"] and result.fetchall() == [
        (1.5, 600)
    ]
    # a pattern at the end of the name anchors there
    ending = repair_notes("SELECT column_name FROM rides WHERE column_name ILIKE '%_time'", error, schema)
    assert "COLUMNS('_time$')" in " ".join(ending)
    # Snowflake has no COLUMNS expression: the note must not send a Snowflake query there
    on_snowflake = Schema("snowflake", schema.tables)
    assert not any("COLUMNS(" in n for n in repair_notes(sql, error, on_snowflake))


def test_an_alias_the_query_never_defines_is_explained(sample_source):
    sql = "SELECT s.store_name FROM stores WHERE s.store_type = 'outlet'"
    notes = " ".join(repair_notes(sql, 'Binder Error: Referenced table "s" not found!', sample_source.schema))
    assert "s is not a table or alias this query defines" in notes
    assert "FROM stores AS s" in notes


def test_the_checkers_undefined_alias_gets_the_same_note(sample_source):
    sql = "SELECT c.first_name FROM customers JOIN orders ON orders.customer_id = customers.customer_id"
    error = check_sql(sql, "duckdb", sample_source.schema).reason
    notes = " ".join(repair_notes(sql, error, sample_source.schema))
    assert "c is not a table or alias this query defines" in notes and "FROM customers AS c" in notes


def test_a_table_read_under_an_alias_gets_no_undefined_alias_note(sample_source):
    sql = "SELECT c.segment FROM customers AS c WHERE customers.customer_id > 10"
    error = check_sql(sql, "duckdb", sample_source.schema).reason
    assert "Did you mean c.customer_id?" in error
    assert not any("not a table or alias" in n for n in repair_notes(sql, error, sample_source.schema))


def test_the_notes_name_the_table_the_question_asks_about_first(sample_source):
    sql, error = (
        "SELECT region_id FROM products",
        "There is no column named region_id in the tables this query reads.",
    )
    notes = " ".join(repair_notes(sql, error, sample_source.schema, "Which store sells the most products?"))
    assert "region_id is a column of stores, customers and regions" in notes


def test_an_unknown_table_lists_the_tables_there_are(sample_source):
    notes = " ".join(
        repair_notes("SELECT * FROM sales", "There is no table named sales.", sample_source.schema)
    )
    assert "The database's tables are: categories, customers" in notes


def test_sql_that_does_not_parse_gets_no_notes(sample_source):
    assert repair_notes("SELEC FROM (", "The SQL could not be parsed", sample_source.schema) == []


def test_an_output_name_with_spaces_or_symbols_is_told_to_be_quoted(sample_source):
    sql = "SELECT list_price * 0.85 AS price (USD), product_name AS product name FROM products"
    notes = repair_notes(sql, "The SQL could not be parsed: Invalid expression", sample_source.schema)
    assert notes == [
        'A name with spaces or symbols must be in double quotes: AS "price (USD)".',
        'A name with spaces or symbols must be in double quotes: AS "product name".',
    ]
    quoted = 'SELECT list_price * 0.85 AS "price (USD)" FROM products'
    assert sample_source.run(quoted).columns == ["price (USD)"]  # the advice itself runs


def test_the_repair_prompt_carries_the_notes_and_the_user_sees_only_the_error(sample_source):
    model = scripted(
        "```sql\nSELECT segment, count(*) AS n FROM orders GROUP BY segment\n```",
        "```sql\nSELECT c.segment, count(*) AS n FROM orders o JOIN customers c "
        "ON o.customer_id = c.customer_id GROUP BY c.segment\n```",
    )
    answer = SqlAgent(sample_source, model, repair_fresh=False).ask("How many orders per customer segment?")
    assert answer.ok
    assert [m.role for m in model.calls[1][0]] == ["system", "user", "assistant", "user"]
    repair = model.calls[1][0][-1].content
    assert "JOIN customers ON orders.customer_id = customers.customer_id" in repair
    assert "JOIN" not in answer.attempts[0].message


def test_a_repair_that_sends_the_failed_query_back_is_asked_again_without_it(sample_source):
    failed = "SELECT segmnt, count(*) AS n FROM customers GROUP BY 1"
    replies = [failed, failed, failed, "SELECT segment, count(*) AS n FROM customers GROUP BY 1"]
    calls = []

    def model(messages, **options):
        calls.append((list(messages), options))
        return replies[len(calls) - 1]

    question = "How many customers are in each segment?"
    answer = SqlAgent(sample_source, model).ask(question)
    assert [a.outcome for a in answer.attempts] == ["invalid", "ok"]
    first_prompt, hinted = calls[0][0][-1].content, calls[3][0][-1].content
    assert failed in calls[1][0][-1].content  # the ordinary repair shows the query
    assert calls[1][1] == {} and calls[2][1]["temperature"] > 0  # greedy, then sampled: both copy it
    # asked again: the first prompt, the error and its notes, but not the query it would copy
    assert hinted.startswith(first_prompt) and "Did you mean segment" in hinted
    assert failed not in hinted and calls[3][1] == {}
    assert sorted(answer.result.rows) == sorted(
        sample_source.run("SELECT segment, count(*) FROM customers GROUP BY 1").rows
    )


def test_a_hint_that_is_copied_too_is_sampled_and_the_loop_stays_bounded(sample_source):
    calls = []

    def model(messages, **options):
        calls.append(options)
        return "SELECT segmnt FROM customers"

    answer = SqlAgent(sample_source, model, max_repairs=2).ask("Segments?")
    assert [a.outcome for a in answer.attempts] == ["invalid", "invalid", "invalid"]
    # per repair: the repair prompt greedily and sampled, then the hint greedily and sampled
    assert len(calls) == 9 and [bool(c) for c in calls[1:5]] == [False, True, False, True]
    assert calls[2]["seed"] != calls[6]["seed"]  # each repair samples with a seed of its own
    assert "segmnt" in answer.error


def test_a_fresh_repair_asks_the_question_again_with_the_failed_query_in_it(sample_source):
    wrong = "SELECT segment, count(*) AS n FROM orders GROUP BY segment"
    model = scripted(
        f"```sql\n{wrong}\n```",
        "```sql\nSELECT c.segment, count(*) AS n FROM orders o JOIN customers c "
        "ON o.customer_id = c.customer_id GROUP BY c.segment\n```",
    )
    answer = SqlAgent(sample_source, model).ask("How many orders per customer segment?")
    assert answer.ok
    repair_messages = model.calls[1][0]
    assert [m.role for m in repair_messages] == ["system", "user"]  # no earlier reply to copy
    prompt = repair_messages[-1].content
    assert prompt.startswith(model.calls[0][0][-1].content)  # the first prompt, question included
    assert wrong in prompt and "JOIN customers ON orders.customer_id = customers.customer_id" in prompt


def test_the_column_list_of_a_very_wide_table_is_cut_short():
    wide = Table(
        "events", tuple(Column(f"a_rather_long_attribute_name_number_{i}", "VARCHAR") for i in range(300))
    )
    schema = Schema("duckdb", (wide,))
    notes = repair_notes("SELECT nope FROM events", "There is no column named nope", schema)
    assert notes[0].startswith(
        "The tables this query reads have these columns: events(a_rather_long_attribute_name_number_0 VARCHAR"
    )
    assert len(notes[0]) <= 1500 and notes[0].endswith(", ....")


def test_a_column_qualified_with_an_unread_table_is_pointed_to_the_read_table_that_has_it(sample_source):
    sql = "SELECT COUNT(DISTINCT customers.customer_id) AS buyers FROM orders AS o WHERE o.status = 'shipped'"
    with pytest.raises(Exception) as raised:
        sample_source.run(sql)
    notes = repair_notes(sql, str(raised.value).split("\n\n")[0], sample_source.schema)
    assert (
        "customers is not read by this query; the tables it reads have customer_id already: write o.customer_id."
        in notes
    )
    assert sample_source.run(sql.replace("customers.customer_id", "o.customer_id")).rows  # the advice runs
