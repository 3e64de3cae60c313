"""Saved analyses at package level: a turn comes back from a reopened store exactly as it was shown,
stays with its owner, and exports as Markdown with SQL blocks and the latest result as CSV."""

import csv
import datetime as dt
import decimal
import io
import sqlite3

import pytest

from conversations import ConversationStore
from sql_agent.analyses.export import latest_result_csv, to_markdown
from sql_agent.analyses.store import PREVIEW_ROWS, AnalysisStore, follow_up_context
from sql_agent.generation.agent import SqlAgent
from sql_agent.semantic.model import sample_semantic_model

from ..generation.test_agent import scripted

CATEGORIES = "Which product categories bring in the most revenue?"
TYPED_SQL = (
    "SELECT DECIMAL '12.34' AS price, DATE '2024-02-29' AS day, TIMESTAMP '2024-03-01 10:30:00' AS at, "
    "TIME '08:15:00' AS clock, INTERVAL 90 MINUTE AS took, 'a|b' AS label, NULL AS nothing, "
    "[1, 2] AS list, {'k': 1.5} AS struct, '\\x01'::BLOB AS blob, 1.5::DOUBLE AS ratio, true AS flag"
)


@pytest.fixture
def analyses(tmp_path):
    store = ConversationStore(tmp_path / "conversations.sqlite")
    yield AnalysisStore(store)
    store.close()


def reopened(analyses: AnalysisStore) -> AnalysisStore:
    """The same file opened again, as after a restart."""
    return AnalysisStore(ConversationStore(analyses.store.path))


def test_a_turn_comes_back_from_a_reopened_store_as_it_was(analyses, sample_source):
    answer = SqlAgent(sample_source, None, sample_semantic_model()).ask(CATEGORIES)
    typed = SqlAgent(sample_source).run_sql(TYPED_SQL, "Every kind of value")
    aid = analyses.create("local")
    first = analyses.add_turn("local", aid, answer, "Sample retail database")
    analyses.add_turn("local", aid, typed, "Sample retail database")
    analyses.set_feedback("local", first, 1, "right numbers")

    again = reopened(analyses)
    [analysis] = again.list("local")
    assert analysis.title == CATEGORIES[:48]  # the first question names the analysis
    saved, saved_typed = again.turns("local", aid)
    got = saved.answer
    assert (got.question, got.sql, got.verified) == (answer.question, answer.sql, answer.verified)
    assert [(a.number, a.outcome, a.sql, a.final_sql) for a in got.attempts] == [
        (a.number, a.outcome, a.sql, a.final_sql) for a in answer.attempts
    ]
    assert (got.result.columns, got.result.types, got.result.rows) == (
        answer.result.columns,
        answer.result.types,
        answer.result.rows,
    )
    assert isinstance(got.result.rows[0][1], decimal.Decimal)
    assert (got.chart, got.summary, got.follow_ups) == (answer.chart, answer.summary, answer.follow_ups)
    assert got.timings == answer.timings and got.result.elapsed_s == answer.result.elapsed_s
    assert (saved.source, saved.feedback, saved.feedback_comment) == (
        "Sample retail database",
        1,
        "right numbers",
    )
    # values JSON has no type for come back as the same Python values, so tables and charts read the same
    assert saved_typed.answer.result.rows == typed.result.rows
    price, day, at, clock, took = saved_typed.answer.result.rows[0][:5]
    assert (price, day, at, clock) == (decimal.Decimal("12.34"), dt.date(2024, 2, 29),
                                       dt.datetime(2024, 3, 1, 10, 30), dt.time(8, 15))  # fmt: skip
    assert took == dt.timedelta(minutes=90)


def test_a_failed_turn_keeps_every_attempt_and_its_reason(analyses, sample_source):
    model = scripted("DROP TABLE orders", "no idea", "SELECT nothing FROM nowhere")
    answer = SqlAgent(sample_source, model).ask("Delete everything")
    aid = analyses.create("local")
    analyses.add_turn("local", aid, answer, "sample")
    [saved] = reopened(analyses).turns("local", aid)
    assert not saved.answer.ok
    assert [a.outcome for a in saved.answer.attempts] == ["blocked", "no_sql", "invalid"]
    assert saved.answer.attempts[0].reply == "DROP TABLE orders"
    assert saved.answer.error == answer.error and answer.error


def test_a_large_result_keeps_a_capped_preview_and_says_how_many_rows_are_left_out(analyses, sample_source):
    answer = SqlAgent(sample_source).run_sql("SELECT order_id FROM orders ORDER BY order_id", "All orders")
    assert len(answer.result.rows) > PREVIEW_ROWS
    aid = analyses.create("local")
    analyses.add_turn("local", aid, answer, "sample")
    [saved] = reopened(analyses).turns("local", aid)
    result = saved.answer.result
    assert result.rows == answer.result.rows[:PREVIEW_ROWS]
    left_out = answer.result.more_rows + len(answer.result.rows) - PREVIEW_ROWS
    assert result.more_rows == left_out and f"{left_out:,} more rows not shown" in result.truncation_note


def test_a_follow_up_after_a_restart_sends_the_previous_question_and_sql(analyses, sample_source):
    first = SqlAgent(sample_source, None, sample_semantic_model()).ask(CATEGORIES)
    aid = analyses.create("local")
    analyses.add_turn("local", aid, first, "sample")
    model = scripted("```sql\nSELECT category_name FROM categories LIMIT 3\n```")
    history = follow_up_context(reopened(analyses).turns("local", aid), "sample")
    assert history == (CATEGORIES, first.sql)
    SqlAgent(sample_source, model).ask("Only the top three?", history=history)
    prompt = model.calls[0][-1].content
    assert CATEGORIES in prompt and first.sql.splitlines()[0] in prompt


def test_after_a_change_of_source_a_question_carries_nothing_over(analyses, sample_source):
    first = SqlAgent(sample_source, None, sample_semantic_model()).ask(CATEGORIES)
    aid = analyses.create("local")
    analyses.add_turn("local", aid, first, "sample")
    turns = reopened(analyses).turns("local", aid)
    assert follow_up_context(turns, "orders.csv") is None, "the sample's SQL names tables orders.csv lacks"


def test_rename_delete_and_chats_are_kept_apart(analyses, sample_source):
    chat = analyses.store.create("local", "A chat")
    aid = analyses.create("local")
    analyses.rename("local", aid, "  Revenue review ")
    assert [a.title for a in analyses.list("local")] == ["Revenue review"]
    assert [c.id for c in analyses.store.list("local")] == [chat]  # Chat lists chats only
    assert analyses.turns("local", chat) == [] and analyses.get("local", chat) is None
    analyses.delete("local", chat)  # not an analysis: left alone
    analyses.delete("local", aid)
    assert analyses.list("local") == [] and analyses.store.get("local", chat) is not None


def test_one_owner_never_sees_or_changes_another_owners_analyses(analyses, sample_source):
    answer = SqlAgent(sample_source, None, sample_semantic_model()).ask(CATEGORIES)
    aid = analyses.create("visitor:a")
    turn = analyses.add_turn("visitor:a", aid, answer, "sample")
    assert analyses.list("visitor:b") == [] and analyses.turns("visitor:b", aid) == []
    with pytest.raises(KeyError):
        analyses.add_turn("visitor:b", aid, answer, "sample")
    analyses.rename("visitor:b", aid, "hijacked")
    analyses.set_feedback("visitor:b", turn, 0, "spam")
    analyses.delete("visitor:b", aid)
    [mine] = analyses.turns("visitor:a", aid)
    assert analyses.get("visitor:a", aid).title == CATEGORIES[:48]
    assert (mine.feedback, len(analyses.store.messages("visitor:a", aid))) == (None, 2)


def test_markdown_export_has_each_question_its_sql_blocks_and_answer(analyses, sample_source):
    agent = SqlAgent(sample_source, None, sample_semantic_model())
    answered = agent.ask(CATEGORIES)
    blocked = SqlAgent(sample_source, scripted("DROP TABLE orders", "no", "no")).ask("Drop it")
    aid = analyses.create("local")
    turn = analyses.add_turn("local", aid, answered, "Sample retail database")
    analyses.add_turn("local", aid, blocked, "Sample retail database")
    analyses.set_feedback("local", turn, 0, "missing returns")
    md = to_markdown(analyses.get("local", aid), analyses.turns("local", aid))
    assert md.startswith(f"# {CATEGORIES[:48]}\n")
    assert f"## 1. {CATEGORIES}" in md and "## 2. Drop it" in md
    assert f"```sql\n{answered.sql.strip()}\n```" in md
    assert "```sql\nDROP TABLE orders\n```" in md and "Attempt 1: blocked" in md
    top = max(answered.result.rows, key=lambda r: r[1])
    assert f"| {top[0]} |" in md and answered.summary in md
    assert f"*What the query does:* {answered.reading}" in md and answered.reading
    assert "Feedback: not helpful: missing returns" in md


def test_csv_export_is_the_latest_result(analyses, sample_source):
    agent = SqlAgent(sample_source, None, sample_semantic_model())
    aid = analyses.create("local")
    analyses.add_turn("local", aid, agent.ask(CATEGORIES), "sample")
    latest = agent.run_sql("SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status")
    analyses.add_turn("local", aid, latest, "sample")
    analyses.add_turn("local", aid, agent.run_sql("DELETE FROM orders"), "sample")  # blocked: no result
    rows = list(csv.reader(io.StringIO(latest_result_csv(analyses.turns("local", aid)))))
    assert rows[0] == ["status", "n"]
    assert rows[1:] == [[s, str(n)] for s, n in latest.result.rows]
    assert latest_result_csv([]) is None


def test_a_store_from_before_analyses_keeps_its_chats(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE conversations (id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL,"
            " created REAL NOT NULL, updated REAL NOT NULL);"
            "INSERT INTO conversations VALUES ('c1', 'local', 'Old chat', 1, 1);"
        )
    store = ConversationStore(path)
    assert [(c.id, c.kind) for c in store.list("local")] == [("c1", "chat")]
    assert AnalysisStore(store).list("local") == []
