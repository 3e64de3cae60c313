"""The Ask your data page, driven by Streamlit's AppTest with the real sample database."""

import re
import shutil
import threading
import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from backends.errors import UNEXPECTED_ERROR
from sql_agent.generation.agent import SqlAgent
from tests.app.test_unexpected_errors import assert_told_plainly, boom
from tests.backends.standins import Reply

from .conftest import REPO_ROOT
from .generation.test_model_path import ORDERS_CSV, QUESTION, REPLIES

PAGE = str(REPO_ROOT / "app" / "views" / "ask_data.py")


def open_page(sample_db_path, data_dir) -> AppTest:
    """A new session on its own data folder, holding a copy of the sample database built once per run."""
    shutil.copy(sample_db_path, data_dir / sample_db_path.name)
    st.cache_resource.clear()  # no source cached by an earlier test's session
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    _button(at, "New analysis").click().run()  # not the analysis an earlier test saved
    return at


@pytest.fixture
def app(sample_db_path, data_dir):
    return open_page(sample_db_path, data_dir)


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_page_shows_the_sample_schema_and_suggested_questions(app):
    assert app.title[0].value == "Ask your data"
    labels = [b.label for b in app.button]
    assert "What was the total revenue by month in 2024?" in labels
    assert any("Schema: 7 tables" in e.label for e in app.expander)


def test_a_suggested_question_shows_sql_table_chart_and_answer(app):
    _button(app, "Which product categories bring in the most revenue?").click().run()
    assert not app.exception, app.exception
    assert any("Verified query" in c.value for c in app.caption)
    sql_box = app.text_area[0].value
    assert "category_name" in sql_box and "LIMIT" in sql_box
    frame = app.dataframe[-1].value
    assert list(frame.columns) == ["category_name", "revenue"] and len(frame) == 8
    assert app.get("vega_lite_chart") or app.get("arrow_vega_lite_chart")
    assert any("highest revenue" in m.value for m in app.markdown)


def test_edited_sql_that_writes_is_blocked_with_a_reason(app):
    _button(app, "How many orders came through each sales channel?").click().run()
    app.text_area[0].set_value("DELETE FROM orders").run()
    _button(app, "Re-run").click().run()
    assert not app.exception, app.exception
    assert any("not DELETE" in e.value for e in app.error)


def test_edited_sql_runs_and_replaces_the_table(app):
    _button(app, "How many orders came through each sales channel?").click().run()
    app.text_area[0].set_value("SELECT status, count(*) AS n FROM orders GROUP BY status").run()
    _button(app, "Re-run").click().run()
    frame = app.dataframe[-1].value
    assert set(frame["status"]) == {"Completed", "Shipped", "Returned", "Cancelled"}


def test_snowflake_without_any_configuration_says_what_to_set(app, monkeypatch):
    for key in ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD", "SNOWFLAKE_HOST"):
        monkeypatch.delenv(key, raising=False)
    app.sidebar.radio[0].set_value("Snowflake").run()
    assert not app.exception, app.exception
    assert any("Snowflake is not configured" in e.value for e in app.error)


def _upload(at, *files: tuple[str, bytes]):
    at.sidebar.radio[0].set_value("Upload CSV/Parquet").run()
    at.file_uploader[0].set_value([(name, data, "text/csv") for name, data in files]).run()
    assert not at.exception, at.exception
    return at


def test_an_uploaded_csv_becomes_the_source(app):
    _upload(app, ("monthly sales.csv", b"month,amount\n2024-01,10\n2024-02,20\n"))
    assert not app.error
    assert any("Schema: 1 tables" in e.label for e in app.expander)


def test_a_file_over_the_upload_limit_is_refused_with_the_limit(app, upload_limit_1mb):
    _upload(app, ("big.csv", b"a,b\n" + b"1,2\n" * 300_000))  # 1.1 MB
    assert "big.csv: the file is 1.1 MB; the limit is 1 MB" in app.error[0].value


def test_a_zip_renamed_csv_is_refused_with_what_it_is(app):
    _upload(app, ("sales.csv", b"PK\x03\x04" + bytes(200)))
    assert "sales.csv: this is a ZIP archive, not CSV text" in app.error[0].value


def test_a_local_run_opens_a_duckdb_file_by_path(app, scratch_db):
    app.sidebar.radio[0].set_value("DuckDB file").run()
    app.sidebar.text_input[-1].set_value(str(scratch_db)).run()
    assert not app.exception and not app.error, app.error
    assert any(e.label == "Schema: 1 tables" for e in app.expander)


def test_a_deployment_not_declared_local_opens_no_duckdb_file_without_a_folder(app, monkeypatch):
    monkeypatch.delenv("FLOE_CONVERSATION_SCOPE")
    app.sidebar.radio[0].set_value("DuckDB file").run()
    assert not app.exception, app.exception
    assert any("off on this deployment" in e.value and "FLOE_DUCKDB_DIR" in e.value for e in app.error)
    assert not app.sidebar.text_input or "Path" not in app.sidebar.text_input[-1].label


# The sample database's first question, as a person asks it (no verified query matches it).
SALES_BY_MONTH = "What were total sales by month in 2023?"
SALES_SQL = (
    "SELECT date_trunc('month', o.order_date) AS month, SUM(i.quantity * i.unit_price) AS sales "
    "FROM orders o JOIN order_items i ON i.order_id = o.order_id "
    "WHERE year(o.order_date) = 2023 GROUP BY 1 ORDER BY 1"
)

# What the model says, call by call: the sample's question and its two sampled readings (which agree);
# then the upload's question: the first query, twice sent back, the hinted answer, and its readings.
SCENARIO = (
    *(Reply(tokens=(f"```sql\n{SALES_SQL}\n```",)) for _ in range(3)),
    *(Reply(tokens=(r,)) for r in REPLIES),
    *(Reply(tokens=(REPLIES[-1],)) for _ in range(2)),
)


def test_a_repair_the_model_sends_back_twice_is_answered_on_the_page(
    sample_db_path, data_dir, replicate_backend
):
    """The crash a new user met: the sample database's question first, then an uploaded CSV whose
    first query fails and comes back twice from the model (the sampled retry and the hint both run)."""
    replicate_backend.script(*SCENARIO)
    at = open_page(sample_db_path, data_dir)
    at.chat_input[0].set_value(SALES_BY_MONTH).run()
    assert not at.exception, at.exception
    assert len(at.dataframe[-1].value) == 12, "one row a month of 2023"

    _upload(at, ("orders.csv", ORDERS_CSV))
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.dataframe[-1].value.iloc[0]["country"] == "Germany"
    assert any("Germany" in m.value for m in at.markdown)
    assert any("replicate does not take min_p, seed" in c.value for c in at.caption)
    reading = r"For each country: the sum of units × unit\_price (as revenue); from orders; highest first"
    assert any(reading in m.value for m in at.markdown), "the plain reading above the result"
    prompts = [r.json()["input"]["prompt"] for r in replicate_backend.creates()]
    assert len(prompts) == len(SCENARIO)
    assert "order_items" not in prompts[3], "the sample's SQL is not carried over to another source"


def test_an_unexpected_error_keeps_the_question_with_retry(app, monkeypatch, capfd):
    monkeypatch.setattr(SqlAgent, "ask", boom)
    app.chat_input[0].set_value("How many customers are there?").run()
    assert any(m.value == "How many customers are there?" for msg in app.chat_message for m in msg.markdown)
    assert_told_plainly(app, capfd)
    assert UNEXPECTED_ERROR in [e.value for e in app.error]

    asked = []
    monkeypatch.setattr(SqlAgent, "ask", lambda self, q, history=None: asked.append(q) or boom())
    _button(app, "Retry").click().run()
    assert asked == ["How many customers are there?"], "Retry asks the kept question again"


def test_describe_with_the_model_goes_through_the_pages_generator(
    sample_db_path, data_dir, replicate_backend
):
    """The semantic panel hands describe_with_model the page's own generator and progress bar."""
    described = (
        '{"description": "One row per order line of the shop.", "synonyms": ["sales"], '
        '"columns": {"unit_price": {"description": "Price of one unit", "synonyms": ["price"]}}}'
    )
    replicate_backend.script(Reply(tokens=(described,)))
    at = open_page(sample_db_path, data_dir)
    _upload(at, ("orders.csv", ORDERS_CSV))
    next(t for t in at.toggle if t.label == "Edit the YAML").set_value(True).run()
    _button(at, "Describe with the model").click().run()
    assert not at.exception and not at.error, at.exception or [e.value for e in at.error]
    editor = next(t for t in at.text_area if t.label == "Semantic model (YAML)").value
    assert "One row per order line of the shop." in editor and "Price of one unit" in editor
    assert replicate_backend.creates()[0].json()["input"]["max_new_tokens"] == 600


def test_the_values_a_question_names_are_matched_and_shown(sample_db_path, data_dir, replicate_backend):
    """The sample's value index is built in the background; once it is, a question's words that are
    values reach the model's prompt and the page says what they matched."""
    sql = "SELECT count(*) AS orders FROM orders WHERE channel = 'Mobile' AND status = 'Cancelled'"
    replicate_backend.script(Reply(tokens=(sql,)))
    at = open_page(sample_db_path, data_dir)
    for _ in range(50):  # the page is usable meanwhile; the caption says when the values are in
        if any("values of 13 text columns indexed" in c.value for c in at.caption):
            break
        at.run()
    else:
        raise AssertionError([c.value for c in at.caption])
    at.chat_input[0].set_value("How many mobile orders were cancelled?").run()
    assert not at.exception and not at.error, at.exception or [e.value for e in at.error]
    matched = next(c.value for c in at.caption if c.value.startswith(":material/join_inner: Matched"))
    assert (
        "mobile → orders.channel = 'Mobile'" in matched
        and "cancelled → orders.status = 'Cancelled'" in matched
    )
    prompt = replicate_backend.creates()[0].json()["input"]["prompt"]
    assert "'Mobile' is a value of orders.channel" in prompt


def test_an_unsure_answer_offers_the_other_reading_and_choosing_it_makes_it_the_answer(
    sample_db_path, data_dir, replicate_backend
):
    by_segment = "SELECT segment, count(*) AS customers FROM customers GROUP BY segment"
    by_city = "SELECT city, count(*) AS customers FROM customers GROUP BY city"
    replicate_backend.script(*(Reply(tokens=(sql,)) for sql in (by_segment, by_city, by_segment)))
    at = open_page(sample_db_path, data_dir)
    at.chat_input[0].set_value("How are our customers spread?").run()
    assert not at.exception and not at.error, at.exception or [e.value for e in at.error]
    assert any("badge[" in m.value and "Unsure" in m.value for m in at.markdown)  # st.badge is markdown
    assert any(
        c.value == "1 of 2 other readings of the question did not find the same rows." for c in at.caption
    )
    assert any("read this question 2 ways" in m.value for m in at.markdown)
    _button(at, "Use this answer").click().run()
    assert not at.exception, at.exception
    assert len(at.chat_message) == 4, "the chosen reading is a new turn of the analysis"
    last_turn = at.chat_message[-1]
    assert any("For each city: the number of rows (as customers)" in m.value for m in last_turn.markdown)
    assert "Verify" in [b.label for b in at.button]


SALES_CSV = b"region,sales_amount,sales_units\nNorth,100.5,3\nSouth,80.0,9\nNorth,20.0,1\n"


def test_an_ambiguous_word_is_asked_about_once_and_the_choice_is_remembered(
    sample_db_path, data_dir, replicate_backend
):
    by_amount = "SELECT region, SUM(sales_amount) AS sales FROM orders GROUP BY region"
    replicate_backend.script(*(Reply(tokens=(by_amount,)) for _ in range(6)))
    at = open_page(sample_db_path, data_dir)
    _upload(at, ("orders.csv", SALES_CSV))
    at.chat_input[0].set_value("What were sales by region?").run()
    assert not at.exception, at.exception
    assert any(
        m.value == "By “sales”, do you mean orders.sales_amount or orders.sales_units?" for m in at.markdown
    )
    assert replicate_backend.creates() == [], "nothing is guessed before the person answers"

    _button(at, "orders.sales_amount").click().run()
    assert not at.exception and not at.error, at.exception or [e.value for e in at.error]
    prompt = replicate_backend.creates()[0].json()["input"]["prompt"]
    assert "by “sales” I mean orders.sales_amount" in prompt
    assert any(m.value == "What were sales by region?" for m in at.chat_message[0].markdown), (
        "their own words kept"
    )

    asked_before = len(replicate_backend.creates())
    at.chat_input[0].set_value("Which region had the most sales?").run()
    assert not any("do you mean" in m.value for m in at.markdown), "not asked again"
    assert len(replicate_backend.creates()) > asked_before


def test_the_embedded_model_reads_the_schema_while_the_page_is_read(sample_db_path, data_dir):
    """Opening a source starts the model reading the schema in the background; the first question then
    reads only its own part, and its timing line says how much was read before. Asked twice, the model
    having read something else (a chat on another tab) before the page opened, then after."""
    from backends import ChatParams, Message, create_backend, load_settings
    from tests.conftest import TINY_MODEL

    chat = create_backend("local", load_settings(TINY_MODEL)).chat

    def something_else() -> None:
        list(chat([Message("user", "Name a colour.")], ChatParams(max_tokens=4)))

    read_before = []
    for after_the_page_opened in (False, True):
        if not after_the_page_opened:
            something_else()
        at = open_page(sample_db_path, data_dir)  # the embedded (tiny) model: nothing else is set up
        deadline = time.monotonic() + 120
        while (
            any(t.name == "floe-warm-prompt" for t in threading.enumerate()) and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        if after_the_page_opened:
            something_else()
        # the tiny model's question fails: up to nine calls, then the two readings (35-40 s quiet, more
        # under load); what is measured is how much was read before, not the time
        at.chat_input[0].set_value("How many customers are there?").run(timeout=180)
        assert not at.exception, at.exception
        line = next(c.value for c in at.caption if " s in all; " in c.value)
        kept = re.search(r"reading [\d,]+ prompt tokens \(([\d,]+) read before\)", line)
        read_before.append(int(kept.group(1).replace(",", "")) if kept else 0)
    # the same calls both times (greedy); the read-ahead spared the first one the system prompt and schema
    assert read_before[0] - read_before[1] > 500, read_before


def test_when_no_query_runs_the_page_shows_another_readings_answer_marked_unsure(
    sample_db_path, data_dir, replicate_backend
):
    failing = ("SELECT a FROM nowhere", "SELECT b FROM nowhere", "SELECT c FROM nowhere", "SELECT d FROM x")
    by_city = "SELECT city, count(*) AS customers FROM customers GROUP BY city"
    replicate_backend.script(*(Reply(tokens=(sql,)) for sql in (*failing, by_city)))
    at = open_page(sample_db_path, data_dir)
    at.chat_input[0].set_value("How many customers live in each city?").run()
    assert not at.exception and not at.error, at.exception or [e.value for e in at.error]
    assert any("badge[" in m.value and "Unsure" in m.value for m in at.markdown)
    assert any(
        c.value == "No query of Floe's first reading ran, even repaired; this is another reading's answer."
        for c in at.caption
    )
    assert any(m.value.startswith("**Attempt 4**: ok: another reading of the question") for m in at.markdown)
    assert any("For each city: the number of rows (as customers)" in m.value for m in at.markdown)
