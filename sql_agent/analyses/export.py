"""Export a saved analysis: Markdown to read (each question, its attempts and SQL, the answer), and the
latest result as CSV."""

from __future__ import annotations

import datetime as dt

from conversations.store import Conversation

from ..answers.summary import format_value, timing_line
from .store import SavedTurn

TABLE_ROWS = 20  # rows of each result shown in the Markdown (the CSV has the whole preview)
_FEEDBACK = {1: "helpful", 0: "not helpful"}


def to_markdown(analysis: Conversation, turns: list[SavedTurn]) -> str:
    lines = [f"# {analysis.title}", ""]
    for n, turn in enumerate(turns, 1):
        a = turn.answer
        lines += [f"## {n}. {a.question or '(SQL written by hand)'}", ""]
        when = dt.datetime.fromtimestamp(turn.saved_at, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        about = [turn.source, when] + ([f"verified query {a.verified}"] if a.verified else [])
        lines += ["*" + " · ".join(p for p in about if p) + "*", ""]
        for attempt in a.attempts:
            note = f": {attempt.message}" if attempt.message else ""
            lines += [f"Attempt {attempt.number}: {attempt.outcome}{note}", ""]
            if attempt.sql and attempt.outcome != "ok":
                lines += [*_sql_block(attempt.sql), ""]
        if a.ok:
            lines += ["Final SQL:", "", *_sql_block(a.sql or ""), ""]
            if a.reading:
                lines += [f"*What the query does:* {a.reading}", ""]
            lines += [*_table(a.result), ""]
            if a.result.truncation_note:
                lines += [f"*{a.result.truncation_note}*", ""]
            lines += [a.summary, ""]
            t = a.timings
            if t:
                lines += [f"*{timing_line(t, a.result.elapsed_s)}*", ""]
        else:
            lines += [f"No result: {a.error or 'no SQL could be run.'}", ""]
        if turn.feedback is not None:
            comment = f": {turn.feedback_comment}" if turn.feedback_comment else ""
            lines += [f"Feedback: {_FEEDBACK.get(turn.feedback, turn.feedback)}{comment}", ""]
    return "\n".join(lines)


def latest_result_csv(turns: list[SavedTurn]) -> str | None:
    """The last result of the analysis as CSV (the rows kept with it), or None if no turn ran."""
    answered = [t.answer for t in turns if t.answer.ok]
    return answered[-1].result.to_csv() if answered else None


def _sql_block(sql: str) -> list[str]:
    fence = "`" * max(3, _longest_backtick_run(sql) + 1)
    return [f"{fence}sql", sql.strip(), fence]


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return longest


def _table(result) -> list[str]:
    def cell(value: object) -> str:
        return "" if value is None else format_value(value).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(cell(c) for c in result.columns) + " |"
    rule = "|" + "---|" * len(result.columns)
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in result.rows[:TABLE_ROWS]]
    more = len(result.rows) - TABLE_ROWS
    return [header, rule, *rows] + ([f"*… {more} more rows in the CSV*"] if more > 0 else [])
