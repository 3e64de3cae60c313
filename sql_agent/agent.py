"""The agent: the short loop that links the schema, asks the model, checks and runs the SQL, repairs
it on failure (at most `max_repairs` times), and writes the answer, chart and follow-ups.

The model is any callable `generate(messages) -> str`, so tests can script its replies and every
backend is one adapter (`backend_generator`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from backends import ChatParams, Message

from . import prompts
from .answer import follow_ups, summarise
from .chart import choose_chart
from .extract import extract_sql
from .linking import DEFAULT_TOKEN_BUDGET, SchemaSlice, link_schema
from .results import QueryResult
from .sandbox import DatabaseError, QueryTimeout
from .semantic import SemanticModel, closest_examples, match_verified
from .sources import Source
from .validate import DEFAULT_ROW_CAP, Checked, check_sql

Generate = Callable[[Sequence[Message]], str]


@dataclass
class Attempt:
    number: int  # 1 = first try; 2.. = repairs
    reply: str  # the model's text ("" for verified and user-written SQL)
    sql: str | None  # the SQL found in the reply
    outcome: str  # "ok" | "no_sql" | "blocked" | "invalid" | "db_error"
    message: str = ""  # why it failed, as sent back to the model
    final_sql: str | None = None  # what ran (after translation and row cap)
    model_s: float = 0.0


@dataclass
class AgentAnswer:
    question: str
    attempts: list[Attempt] = field(default_factory=list)
    result: QueryResult | None = None
    verified: str | None = None  # name of the verified query used, if any
    summary: str = ""
    chart: dict | None = None
    follow_ups: list[str] = field(default_factory=list)
    schema_slice: SchemaSlice | None = None
    messages: list[Message] = field(default_factory=list)  # the last prompt sent to the model
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def sql(self) -> str | None:
        last = self.attempts[-1] if self.attempts else None
        return last.final_sql or last.sql if last else None

    @property
    def error(self) -> str:
        return "" if self.ok or not self.attempts else self.attempts[-1].message


@dataclass
class SqlAgent:
    source: Source
    generate: Generate | None = None
    semantic: SemanticModel | None = None
    max_repairs: int = 2
    token_budget: int = DEFAULT_TOKEN_BUDGET
    row_cap: int = DEFAULT_ROW_CAP
    max_rows: int | None = None  # rows fetched for display (default: the source's limit)
    use_verified: bool = True

    def ask(self, question: str, history: tuple[str, str] | None = None) -> AgentAnswer:
        """Answer `question`; `history` is the previous (question, SQL) of this conversation."""
        started = time.perf_counter()
        answer = AgentAnswer(question)
        model_s = 0.0
        schema = self.source.schema

        verified, _ = match_verified(question, self.semantic) if self.use_verified else (None, 0.0)
        if verified:
            answer.verified = verified.name
            self._try(answer, 1, "", verified.sql)
        else:
            synonyms = self.semantic.synonyms_by_table() if self.semantic else None
            answer.schema_slice = link_schema(question, schema, self.token_budget, synonyms)
            examples = closest_examples(question, self.semantic)
            messages = [
                Message("system", prompts.system_prompt(self.source.dialect)),
                Message("user", prompts.user_prompt(question, answer.schema_slice.text, examples, history)),
            ]
            if self.generate is None:
                raise ValueError("This question needs a model, and the agent has none.")
            for number in range(1, self.max_repairs + 2):
                answer.messages = list(messages)
                t0 = time.perf_counter()
                reply = self.generate(messages)
                spent = time.perf_counter() - t0
                model_s += spent
                attempt = self._try(answer, number, reply, extract_sql(reply), spent)
                if attempt.outcome == "ok":
                    break
                messages += [
                    Message("assistant", reply),
                    Message("user", prompts.repair_prompt(attempt.message)),
                ]

        self._finish(answer, schema)
        total = time.perf_counter() - started
        answer.timings = {"total_s": total, "model_s": model_s, "agent_s": total - model_s}
        return answer

    def run_sql(self, sql: str, question: str = "") -> AgentAnswer:
        """Check and run SQL a person wrote or edited, with the same answer, chart and follow-ups."""
        started = time.perf_counter()
        answer = AgentAnswer(question)
        self._try(answer, 1, "", sql)
        self._finish(answer, self.source.schema)
        total = time.perf_counter() - started
        answer.timings = {"total_s": total, "model_s": 0.0, "agent_s": total}
        return answer

    def _try(
        self, answer: AgentAnswer, number: int, reply: str, sql: str | None, model_s: float = 0.0
    ) -> Attempt:
        attempt = Attempt(number, reply, sql, "ok", model_s=model_s)
        answer.attempts.append(attempt)
        if not sql:
            attempt.outcome = "no_sql"
            attempt.message = (
                "The reply contained no SQL query. Reply with one SELECT query in a ```sql block."
            )
            return attempt
        checked: Checked = check_sql(sql, self.source.dialect, self.source.schema, row_cap=self.row_cap)
        if not checked.allowed:
            attempt.outcome, attempt.message = checked.outcome, checked.reason
            return attempt
        attempt.final_sql = checked.sql
        try:
            answer.result = self.source.run(checked.sql, self.max_rows)
        except (DatabaseError, QueryTimeout) as err:
            attempt.outcome, attempt.message = "db_error", str(err).split("\n\n")[0][:600]
        return attempt

    def _finish(self, answer: AgentAnswer, schema) -> None:
        if not answer.result:
            return
        answer.summary = summarise(answer.result)
        answer.chart = choose_chart(answer.result)
        tables = (
            list(answer.schema_slice.tables) if answer.schema_slice else _tables_in(answer.sql or "", schema)
        )
        suggested = self.semantic.suggested_questions if self.semantic else []
        answer.follow_ups = follow_ups(
            answer.question or "This", answer.sql or "", answer.result, schema, tables, suggested
        )


def _tables_in(sql: str, schema) -> list[str]:
    lowered = sql.lower()
    return [t.name for t in schema.tables if t.name.lower() in lowered]


def backend_generator(backend, params: ChatParams | None = None) -> Generate:
    """Adapts a backends.Backend to `generate(messages) -> str` (deterministic, short replies)."""
    params = params or ChatParams(max_tokens=320, temperature=0.0)

    def generate(messages: Sequence[Message]) -> str:
        return "".join(backend.chat(list(messages), params))

    return generate
