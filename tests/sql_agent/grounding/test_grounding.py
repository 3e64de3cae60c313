"""Grounding on a database built here: mixed case, accents, a misspelling, a value in two columns;
the literal check before a query runs, the empty-result repair, and the index's caps and failures."""

from __future__ import annotations

import duckdb
import pytest

from sql_agent.execution import DuckDBSource, SandboxLimits
from sql_agent.generation.agent import SqlAgent
from sql_agent.grounding import IndexBuilder, IndexCaps, build_value_index, literal_notes, match_values

from ..generation.test_agent import scripted


@pytest.fixture
def places(tmp_path):
    path = tmp_path / "places.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE state (state_name VARCHAR, population INTEGER)")
        conn.execute(
            "INSERT INTO state VALUES ('texas', 29), ('new york', 19), ('pennsylvania', 13), ('ohio', 11)"
        )
        conn.execute("CREATE TABLE city (name VARCHAR, state_name VARCHAR, notes VARCHAR)")
        conn.execute(
            "INSERT INTO city VALUES ('Zürich', NULL, NULL), ('Austin', 'texas', NULL), "
            "('St. Louis', NULL, repeat('free text ', 20))"
        )
    source = DuckDBSource(path, SandboxLimits(timeout_s=30))
    yield source
    source.close()


def shown(question, index):
    return [m.shown() for m in match_values(question, index)]


def test_a_value_is_found_whatever_its_case_and_in_every_column_that_holds_it(places):
    index = build_value_index(places)
    assert shown("How many people live in Texas?", index) == [
        "Texas → city.state_name = 'texas'",
        "Texas → state.state_name = 'texas'",
    ]
    assert shown("Which cities are in New York?", index) == ["New York → state.state_name = 'new york'"]


def test_accents_punctuation_and_small_misspellings_are_set_aside(places):
    index = build_value_index(places)
    assert shown("What is in Zurich?", index) == ["Zurich → city.name = 'Zürich'"]
    assert shown("Anything in st louis", index) == ["st louis → city.name = 'St. Louis'"]
    assert shown("How big is Pensylvania?", index) == ["Pensylvania → state.state_name = 'pennsylvania'"]
    assert shown("How many states are there?", index) == [], "question words are not values"


def test_long_free_text_is_left_out_and_its_column_is_not_complete(places):
    index = build_value_index(places)
    notes = index.column("city", "notes")
    assert notes.values == () and not notes.complete
    assert index.column("state", "state_name").complete


def test_a_literal_that_is_not_its_columns_value_is_caught_before_the_query_runs(places):
    model = scripted(
        "SELECT population FROM state WHERE state_name = 'Texas'",
        "SELECT population FROM state WHERE state_name = 'texas'",
    )
    agent = SqlAgent(places, model, values=build_value_index(places))
    answer = agent.ask("What is the population of Texas?")
    assert [a.outcome for a in answer.attempts] == ["invalid", "ok"]
    assert answer.attempts[0].message == "'Texas' is not a value of state.state_name; it holds 'texas'."
    assert answer.result.rows == [(29,)]
    first_prompt = model.calls[0][-1].content
    assert "'texas' is a value of state.state_name" in first_prompt
    assert answer.matches == ["Texas → city.state_name = 'texas'", "Texas → state.state_name = 'texas'"]


def test_without_an_index_the_same_query_runs_and_returns_no_rows(places):
    answer = SqlAgent(places, scripted("SELECT population FROM state WHERE state_name = 'Texas'")).ask(
        "Texas?"
    )
    assert answer.ok and answer.result.rows == [] and answer.matches == []


def test_no_rows_and_a_literal_absent_from_a_partly_indexed_column_goes_to_repair(places):
    # two values per column: state_name is not indexed whole, so the literal cannot be proven absent
    index = build_value_index(places, IndexCaps(values_per_column=3))
    assert not index.column("state", "state_name").complete
    model = scripted(
        "SELECT population FROM state WHERE state_name = 'New-York'",
        "SELECT population FROM state WHERE state_name = 'new york'",
    )
    answer = SqlAgent(places, model, values=index).ask("Population of New-York?")
    assert [a.outcome for a in answer.attempts] == ["empty", "ok"]
    assert "no rows" in answer.attempts[0].message and "'new york'" in answer.attempts[0].message
    assert answer.result.rows == [(19,)]


def test_a_legitimately_empty_answer_stays_an_answer(places):
    index = build_value_index(places)
    answer = SqlAgent(places, scripted("SELECT name FROM city WHERE state_name = 'ohio'"), values=index).ask(
        "Which cities are in Ohio?"
    )
    assert answer.ok and answer.result.rows == [], "'ohio' is a value: no rows is the answer"
    assert (
        literal_notes("SELECT 1 FROM state WHERE state_name = 'Kansas'", "duckdb", places.schema, index, True)
        == []
    )


def test_the_caps_hold_and_say_what_they_left_out(tmp_path):
    path = tmp_path / "wide.duckdb"
    with duckdb.connect(str(path)) as conn:
        columns = ", ".join(f"c{i} VARCHAR" for i in range(12))
        conn.execute(f"CREATE TABLE wide ({columns})")
        conn.execute(
            "INSERT INTO wide SELECT "
            + ", ".join(f"'v{i}_' || (r % 50)" for i in range(12))
            + " FROM range(500) t(r)"
        )
    source = DuckDBSource(path, SandboxLimits(timeout_s=30))
    try:
        index = build_value_index(source, IndexCaps(max_columns=5, values_per_column=10))
    finally:
        source.close()
    assert len(index.columns) == 5 and index.value_count == 50
    assert not any(c.complete for c in index.columns.values())
    assert "7 text columns past the first 5" in index.describe()


class Unreadable:
    """A source whose schema cannot be read (a permission or a timeout, as a warehouse may answer)."""

    dialect = "duckdb"

    @property
    def schema(self):
        raise PermissionError("no privilege on the information schema")


def test_an_index_that_cannot_be_built_leaves_the_pipeline_working_and_says_why(places):
    builder = IndexBuilder(Unreadable())
    assert builder.wait(10) is None
    assert "could not be built" in builder.error and "PermissionError" in builder.error
    answer = SqlAgent(places, scripted("SELECT count(*) FROM state"), values=builder.index).ask(
        "How many states?"
    )
    assert answer.ok and answer.result.rows == [(4,)]


def test_a_word_that_names_a_table_or_column_is_not_taken_for_a_value(tmp_path):
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE laptops (model VARCHAR, speed DOUBLE)")
        conn.execute("CREATE TABLE products (model VARCHAR, type VARCHAR)")
        conn.execute("INSERT INTO products VALUES ('a1', 'laptop'), ('p1', 'printer')")
    source = DuckDBSource(path, SandboxLimits(timeout_s=30))
    try:
        index = build_value_index(source)
    finally:
        source.close()
    assert shown("List each laptop's model and speed", index) == [], "'laptop' names the laptops table"
    assert shown("Which models are printers?", index) == ["printers → products.type = 'printer'"]
