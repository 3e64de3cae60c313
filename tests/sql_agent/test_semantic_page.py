"""Ask your data's semantic model on the page: verify an answer and have the next same question
answered by its SQL without the model; edit, check, save and upload a model; visitors kept apart.
Driven by Streamlit's AppTest with the real sample database and real DuckDB files."""

from __future__ import annotations

import shutil

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from sql_agent.semantic.store import SemanticStore
from tests.conftest import free_port

from .conftest import REPO_ROOT

PAGE = str(REPO_ROOT / "app" / "views" / "ask_data.py")
QUESTION = "How many orders are there per status?"
HAND_SQL = "SELECT status, count(*) AS orders FROM orders GROUP BY status ORDER BY status"


@pytest.fixture
def unreachable_server(monkeypatch):
    """An OpenAI-compatible backend nobody answers: any question that reaches a model fails."""
    monkeypatch.setenv("FLOE_OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("FLOE_OPENAI_MODEL", "none")


def _new_session() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def app(sample_db_path, data_dir, unreachable_server):
    shutil.copy(sample_db_path, data_dir / sample_db_path.name)
    st.cache_resource.clear()
    return _new_session()


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _expander(at, starts):
    return next(e for e in at.expander if e.label.startswith(starts))


def test_verify_then_the_same_question_is_answered_by_its_sql_without_the_model(app, data_dir):
    assert _expander(app, "Semantic model (bundled)")
    app.chat_input[0].set_value(QUESTION).run()
    assert not app.exception, app.exception
    failed = len(app.error)
    assert failed == 1  # the model could not be reached; the question is kept with the reason
    sql_box = next(t for t in app.text_area if t.label == "SQL (edit and re-run)")
    sql_box.set_value(HAND_SQL).run()
    _button(app, "Re-run").click().run()  # the analyst writes the SQL; the result is right
    assert not app.exception, app.exception
    _button(app, "Verify").click().run()
    assert not app.exception, app.exception
    assert any("Verified:" in s.value for s in app.success)
    panel = _expander(app, "Semantic model (saved)")
    assert any(QUESTION in m.value and "verified by local user" in m.value for m in panel.markdown)
    saved = SemanticStore(data_dir / "semantic_models.sqlite").get("local", "sample")
    assert f"sql: |\n    {HAND_SQL}\n" in saved  # as written: the row cap is added on each run, not kept

    # Every model call fails here: the same question, worded a little differently, must not need one.
    app.chat_input[0].set_value(QUESTION.lower().rstrip("?")).run()
    assert not app.exception, app.exception
    assert len(app.error) == failed, [e.value for e in app.error]
    assert any("Verified query" in c.value for c in app.caption)
    frame = app.dataframe[-1].value
    with duckdb.connect(str(app_sample_db()), read_only=True) as conn:
        expected = conn.sql(HAND_SQL).fetchall()
    assert [tuple(r) for r in frame.itertuples(index=False)] == expected

    # A fresh session (a reload) still has the verified query; removing it sends the question to the model.
    again = _new_session()
    panel = _expander(again, "Semantic model (saved)")
    next(b for b in panel.button if b.key.endswith("_how_many_orders_are_there_per_status")).click().run()
    assert not again.exception, again.exception
    shown = len(again.error)
    again.chat_input[0].set_value(QUESTION).run()
    assert len(again.error) == shown + 1  # the unreachable model was asked this time


def app_sample_db():
    from sql_agent.execution.sample_db import sample_db_path

    return sample_db_path()


@pytest.fixture
def own_db(data_dir):
    path = data_dir / "shop.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute(
            "CREATE TABLE customers (id INTEGER, name VARCHAR); "
            "CREATE TABLE orders (order_id INTEGER, customer_id INTEGER, amount DOUBLE, ordered_on DATE); "
            "INSERT INTO customers VALUES (1, 'Ann'); INSERT INTO orders VALUES (1, 1, 9.5, DATE '2024-03-01')"
        )
    return path


def _open_own_db(at, path):
    at.sidebar.radio[0].set_value("DuckDB file").run()
    next(t for t in at.sidebar.text_input if t.label.startswith("Path")).set_value(str(path)).run()
    assert not at.exception, at.exception
    return at


def test_a_new_duckdb_file_gets_a_draft_with_suggested_questions(own_db, data_dir, unreachable_server):
    st.cache_resource.clear()
    at = _open_own_db(_new_session(), own_db)
    _expander(at, "Semantic model (draft)")
    labels = [b.label for b in at.button]
    assert "What is the sum of amount per month?" in labels


def test_the_editor_names_the_wrong_line_and_saves_nothing(own_db, data_dir, unreachable_server):
    st.cache_resource.clear()
    at = _open_own_db(_new_session(), own_db)
    at.toggle[0].set_value(True).run()
    editor = next(t for t in at.text_area if t.label == "Semantic model (YAML)")
    drafted = editor.value
    editor.set_value(drafted.replace("expr: amount", "expr: amont")).run()
    _button(at, "Save").click().run()
    assert not at.exception, at.exception
    wrong = drafted.replace("expr: amount", "expr: amont").splitlines()
    line = next(i for i, text in enumerate(wrong, 1) if "amont" in text)
    assert any(f"Line {line}: `orders` has no column `amont`" in e.value for e in at.error)
    assert _expander(at, "Semantic model (draft)")  # nothing was saved

    editor = next(t for t in at.text_area if t.label == "Semantic model (YAML)")
    editor.set_value(
        drafted.replace("- name: orders\n", "- name: orders\n  description: One row per sale.\n")
    ).run()
    _button(at, "Save").click().run()
    assert not at.exception, at.exception
    assert _expander(at, "Semantic model (saved)")
    assert any("One row per sale." in m.value for m in at.markdown)  # the schema view shows it


def test_an_uploaded_model_is_checked_before_it_is_kept(own_db, data_dir, unreachable_server, tmp_path):
    st.cache_resource.clear()
    at = _open_own_db(_new_session(), own_db)
    uploader = at.file_uploader[0]  # the only one: this source is a file typed in the sidebar
    bad = b"name: shop\ntables:\n  - name: invoices\n"
    uploader.set_value([("shop.yaml", bad, "application/yaml")]).run()
    assert not at.exception, at.exception
    assert any("Line 3: table `invoices` is not in the database" in e.value for e in at.error)
    assert _expander(at, "Semantic model (draft)")


def test_one_visitor_never_sees_anothers_verified_queries(
    sample_db_path, data_dir, unreachable_server, monkeypatch
):
    monkeypatch.setenv("FLOE_CONVERSATION_SCOPE", "visitor")
    shutil.copy(sample_db_path, data_dir / sample_db_path.name)
    st.cache_resource.clear()
    first = _new_session()
    _button(first, "How many orders came through each sales channel?").click().run()
    box = next(t for t in first.text_area if t.label == "SQL (edit and re-run)")
    box.set_value("SELECT channel, count(*) AS n FROM orders GROUP BY channel").run()
    _button(first, "Re-run").click().run()
    _button(first, "Verify").click().run()
    assert _expander(first, "Semantic model (saved)")

    second = _new_session()  # another browser session: another visitor
    assert _expander(second, "Semantic model (bundled)")
    assert not any("visitor" in m.value for m in _expander(second, "Semantic model").markdown)


def test_an_answer_from_another_source_cannot_be_verified_into_this_one(app, own_db):
    _button(app, "How many orders came through each sales channel?").click().run()
    box = next(t for t in app.text_area if t.label == "SQL (edit and re-run)")
    box.set_value("SELECT channel FROM orders").run()
    _button(app, "Re-run").click().run()
    assert any(b.label == "Verify" for b in app.button)
    _open_own_db(app, own_db)  # the analysis stays; its SQL was written for the sample
    assert not any(b.label == "Verify" for b in app.button)
