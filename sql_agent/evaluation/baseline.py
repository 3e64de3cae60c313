"""The bare baseline the pipeline is measured against: one prompt with the whole schema's DDL and the
question, one reply, run as written. No linking, no examples, no schema checks, no repair; the safety
policy and the sandbox still apply (they are not accuracy aids)."""

from __future__ import annotations

import dataclasses
import time

from backends import Message

from ..execution.sandbox import DatabaseError, QueryTimeout
from ..execution.sources import Source
from ..generation.agent import AgentAnswer, Attempt, Generate
from ..generation.extract import extract_sql
from ..generation.prompts import render_table
from ..safety.policy import check_policy

BARE_SYSTEM = "You write {dialect} SQL. Reply with one SQL query in a ```sql code block."
BARE_USER = "{ddl}\n\nQuestion: {question}"


def schema_ddl(source: Source) -> str:
    """Every table as plain CREATE TABLE text: names, types and keys, no samples or comments."""
    tables = (
        dataclasses.replace(
            t, comment="", columns=tuple(dataclasses.replace(c, comment="", samples=()) for c in t.columns)
        )
        for t in source.schema.tables
    )
    return "\n\n".join(render_table(t) for t in tables)


def bare_answer(
    source: Source, generate: Generate, question: str, max_rows: int | None = None
) -> AgentAnswer:
    dialect = "DuckDB" if source.dialect == "duckdb" else "Snowflake"
    messages = [
        Message("system", BARE_SYSTEM.format(dialect=dialect)),
        Message("user", BARE_USER.format(ddl=schema_ddl(source), question=question.strip())),
    ]
    answer = AgentAnswer(question, messages=messages)
    started = time.perf_counter()
    reply = generate(messages)
    model_s = time.perf_counter() - started
    sql = extract_sql(reply)
    attempt = Attempt(1, reply, sql, "ok", final_sql=sql, model_s=model_s)
    answer.attempts.append(attempt)
    verdict = check_policy(sql, source.dialect) if sql else None
    if verdict is None:
        attempt.outcome, attempt.message = "no_sql", "no SQL in the reply"
    elif not verdict.allowed:
        attempt.outcome, attempt.message = "blocked", verdict.reason
    else:
        try:
            answer.result = source.run(sql, max_rows)
        except (DatabaseError, QueryTimeout) as err:
            attempt.outcome, attempt.message = "db_error", str(err).split("\n\n")[0][:600]
    total = time.perf_counter() - started
    answer.timings = {"total_s": total, "model_s": model_s, "agent_s": total - model_s}
    return answer
