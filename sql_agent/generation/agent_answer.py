"""What the agent returns: every attempt, the result, and what helps a person check it."""

from __future__ import annotations

from dataclasses import dataclass, field

from backends import Message

from ..results import QueryResult
from .linking import SchemaSlice


@dataclass
class Attempt:
    number: int  # 1 = first try; 2.. = repairs
    reply: str  # the model's text ("" for verified and user-written SQL)
    sql: str | None  # the SQL found in the reply
    outcome: str  # "ok" | "no_sql" | "blocked" | "invalid" | "db_error" | "backend_error" | "error"
    message: str = ""  # why it failed, as sent back to the model
    final_sql: str | None = None  # what ran (after translation and row cap)
    model_s: float = 0.0


@dataclass
class Alternative:
    """Another reading of the question: a sampled query whose result differs from the answer's."""

    sql: str
    reading: str
    result: QueryResult
    readings: int = 1  # how many of the sampled readings found these rows


@dataclass
class AgentAnswer:
    question: str
    attempts: list[Attempt] = field(default_factory=list)
    result: QueryResult | None = None
    verified: str | None = None  # name of the verified query used, if any
    summary: str = ""
    reading: str = ""  # what the query computes, in words, from its tree (answers.reading)
    chart: dict | None = None
    follow_ups: list[str] = field(default_factory=list)
    schema_slice: SchemaSlice | None = None
    messages: list[Message] = field(default_factory=list)  # the last prompt sent to the model
    trace: list[str] = field(default_factory=list)  # what the backend left out (a seed it cannot take)
    matches: list[str] = field(default_factory=list)  # the question's words found as values ("Texas → …")
    confidence: str = ""  # "confident" | "unsure" (answers.confidence); "" when nothing ran
    confidence_why: str = ""
    agreement: tuple[int, int] = (0, 0)  # sampled readings that found the same rows, of those sampled
    alternatives: list[Alternative] = field(default_factory=list)  # other readings' results, at most two
    from_reading: bool = False  # no query of the first reading ran; the answer is a sampled reading's
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


def failed_answer(question: str, message: str, outcome: str = "backend_error") -> AgentAnswer:
    """A question that could not be worked through (the backend failed, or something unforeseen):
    kept with the reason, so the analysis loses nothing and the person can ask again or write the
    SQL and run it."""
    return AgentAnswer(question, [Attempt(1, "", None, outcome, message)])
