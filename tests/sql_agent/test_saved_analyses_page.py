"""Saved analyses on the Ask your data page, driven by AppTest: a new session (a reload) or a restart
shows the analysis as it was without running its queries; Re-run runs them; rename, delete, scope."""

import gc
import os
import shutil

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from sql_agent.execution.sample_db import sample_db_path as data_dir_sample_path

from .conftest import REPO_ROOT

PAGE = str(REPO_ROOT / "app" / "views" / "ask_data.py")
CATEGORIES = "Which product categories bring in the most revenue?"
CHANNELS = "How many orders came through each sales channel?"


@pytest.fixture
def own_sample(data_dir, sample_db_path, monkeypatch):
    """A data folder of its own (conversations and a copy of the sample database), one user ("local")."""
    monkeypatch.setenv("FLOE_CONVERSATION_SCOPE", "local")
    shutil.copy(sample_db_path, data_dir_sample_path())
    restart()
    yield data_dir_sample_path()
    restart()  # later tests get the shared sample database back


def restart() -> None:
    """What a server restart drops: every cached source, store and query worker."""
    st.cache_resource.clear()
    gc.collect()


def session() -> AppTest:
    """A new browser session (a reload) on the same data folder."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception
    return at


def picker(at: AppTest):
    return next(s for s in at.sidebar.selectbox if s.label == "Analysis")


def shown_questions(at: AppTest) -> list[str]:
    return [m.markdown[0].value for m in at.chat_message if m.name == "user"]


def upper_case_categories(path) -> None:
    """Change the data under the app: the file is replaced, as a nightly load would."""
    changed = path.with_suffix(".changed")
    shutil.copy(path, changed)
    with duckdb.connect(str(changed)) as conn:
        conn.execute("UPDATE categories SET category_name = upper(category_name)")
        conn.execute("CHECKPOINT")
    os.replace(changed, path)


def test_an_analysis_survives_a_restart_without_running_its_queries(own_sample):
    first = click(session(), CATEGORIES)
    before = first.dataframe[-1].value
    assert "Laptops" in set(before["category_name"])

    restart()
    upper_case_categories(own_sample)  # any query run from now on sees LAPTOPS, not Laptops
    at = session()
    assert picker(at).options[picker(at).index] == CATEGORIES[:48]
    assert shown_questions(at) == [CATEGORIES]
    assert at.dataframe[-1].value.equals(before)  # as it was: the database was not queried
    assert any("Verified query" in c.value for c in at.caption)
    assert at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")
    assert any("highest revenue" in m.value for m in at.markdown)

    click(at, "Re-run")  # on demand, the query runs again and its new result is added
    assert "LAPTOPS" in set(at.dataframe[-1].value["category_name"])
    assert shown_questions(at) == [CATEGORIES, CATEGORIES]
    assert len(shown_questions(session())) == 2  # and that is kept too


def test_feedback_is_kept_with_the_turn(own_sample):
    at = click(session(), CHANNELS)
    at.feedback[0].set_value(0).run()  # thumbs down
    at.text_input(key=next(t.key for t in at.text_input if t.label == "Comment (optional)")).set_value(
        "web and mobile should be one"
    ).run()
    again = session()
    assert again.feedback[0].value == 0
    assert any(t.value == "web and mobile should be one" for t in again.text_input)


def test_new_rename_and_delete(own_sample):
    at = click(session(), CHANNELS)
    aid = picker(at).value
    at.text_input(key=f"analysis-title-{aid}").set_value("Channel mix").run()
    assert picker(at).options[picker(at).index] == "Channel mix"

    click(at, "New analysis")
    assert shown_questions(at) == []
    click(at, CATEGORIES)
    titles = picker(at).options
    assert titles == [CATEGORIES[:48], "Channel mix"]  # newest first

    picker(at).set_value(aid).run()
    assert shown_questions(at) == [CHANNELS]
    click(at, "Delete analysis")
    assert shown_questions(at) == []
    titles = picker(session()).options
    assert titles == [CATEGORIES[:48]]


def test_one_visitor_never_sees_another_visitors_analyses(own_sample, monkeypatch):
    monkeypatch.setenv("FLOE_CONVERSATION_SCOPE", "visitor")  # each browser session is its own visitor
    mine = click(session(), CHANNELS)
    assert shown_questions(mine) == [CHANNELS]
    theirs = session()
    assert shown_questions(theirs) == []
    assert picker(theirs).options == ["New analysis (saved when you ask)"]


def test_two_analyses_with_the_same_title_stay_apart(own_sample):
    at = click(click(session(), CHANNELS), CATEGORIES)
    first = picker(at).value
    click(click(at, "New analysis"), CHANNELS)
    at.run()  # a rerun sends the picker's choice back by its label
    assert shown_questions(at) == [CHANNELS]
    assert picker(at).options == [f"{CHANNELS[:48]} (2)", CHANNELS[:48]]
    picker(at).set_value(first).run()
    assert shown_questions(at) == [CHANNELS, CATEGORIES]
