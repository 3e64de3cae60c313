"""Saved analyses: Ask-your-data turns kept in the conversation store, so a reload or a restart shows
them as they were without running a query again.

An analysis is a conversation of kind "analysis", scoped by owner like a chat. Each turn is two
messages: the question (user) and the answer (assistant, its text the answer and its meta the whole
turn as JSON: every attempt, the final SQL, a preview of the result, the chart spec and the timings).
Feedback is the assistant message's, as in Chat.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import time
import uuid
from dataclasses import dataclass

from conversations import ConversationStore
from conversations.store import Conversation

from ..generation.agent_answer import AgentAnswer, Alternative, Attempt
from ..results import QueryResult

KIND = "analysis"
NEW_TITLE = "New analysis"
RECORD_VERSION = 1
PREVIEW_ROWS = 200  # rows of a result kept with the analysis
PREVIEW_MAX_BYTES = 1_000_000  # and at most this much JSON per result (wide tables keep fewer rows)


@dataclass
class SavedTurn:
    id: str  # the answer message's id: feedback is set on it
    answer: AgentAnswer
    source: str  # the data source it was asked of, by name
    saved_at: float
    feedback: int | None = None  # 1 thumbs up, 0 thumbs down
    feedback_comment: str | None = None


class AnalysisStore:
    """Analyses in a ConversationStore; every call is scoped to `owner`, as the store's are."""

    def __init__(self, store: ConversationStore):
        self.store = store

    def create(self, owner: str, title: str = NEW_TITLE) -> str:
        return self.store.create(owner, title, kind=KIND)

    def list(self, owner: str) -> list[Conversation]:
        return self.store.list(owner, kind=KIND)

    def get(self, owner: str, aid: str) -> Conversation | None:
        found = self.store.get(owner, aid)
        return found if found and found.kind == KIND else None

    def rename(self, owner: str, aid: str, title: str) -> None:
        if self.get(owner, aid):
            self.store.rename(owner, aid, title)

    def delete(self, owner: str, aid: str) -> None:
        if self.get(owner, aid):
            self.store.delete(owner, aid)

    def add_turn(self, owner: str, aid: str, answer: AgentAnswer, source: str) -> str:
        """Save a turn; the first question names an analysis that has no name yet."""
        analysis = self.get(owner, aid)
        if analysis is None:
            raise KeyError("no such analysis for this owner")
        if analysis.title == NEW_TITLE and answer.question and not self.turns(owner, aid):
            self.store.rename(owner, aid, answer.question[:48])
        self.store.append(owner, aid, "user", answer.question)
        record = answer_to_record(answer, source)
        return self.store.append(owner, aid, "assistant", answer.summary or answer.error, meta=record)

    def turns(self, owner: str, aid: str) -> list[SavedTurn]:
        if self.get(owner, aid) is None:
            return []
        return [
            SavedTurn(
                m.id,
                answer_from_record(m.meta),
                m.meta.get("source", ""),
                m.meta.get("saved_at", 0.0),
                m.feedback,
                m.feedback_comment,
            )  # fmt: skip
            for m in self.store.messages(owner, aid)
            if m.role == "assistant" and m.meta.get("kind") == KIND
        ]

    def set_feedback(self, owner: str, turn_id: str, score: int | None, comment: str | None = None) -> None:
        self.store.set_feedback(owner, turn_id, score, comment)


def follow_up_context(turns: list[SavedTurn], source: str) -> tuple[str, str] | None:
    """(question, SQL) of the last turn, for a follow-up question, if it ran on the same `source`:
    after a change of source its SQL names tables the new one may not have, so nothing carries over."""
    last = turns[-1] if turns else None
    if last is None or last.source != source or not (last.answer.ok and last.answer.sql):
        return None
    return last.answer.question, last.answer.sql


# -- an AgentAnswer as JSON ---------------------------------------------------------------------------
def answer_to_record(answer: AgentAnswer, source: str, preview_rows: int = PREVIEW_ROWS) -> dict:
    return {
        "kind": KIND,
        "version": RECORD_VERSION,
        "source": source,
        "saved_at": time.time(),
        "question": answer.question,
        "attempts": [vars(a).copy() for a in answer.attempts],
        "result": _result_to_record(answer.result, preview_rows) if answer.result else None,
        "verified": answer.verified,
        "summary": answer.summary,
        "reading": answer.reading,
        "matches": list(answer.matches),
        "confidence": [answer.confidence, answer.confidence_why],
        "alternatives": [
            {"sql": a.sql, "reading": a.reading, "result": _result_to_record(a.result, preview_rows)}
            for a in answer.alternatives
        ],
        "chart": answer.chart,
        "follow_ups": list(answer.follow_ups),
        "trace": list(answer.trace),
        "timings": dict(answer.timings),
    }


def answer_from_record(record: dict) -> AgentAnswer:
    result = record.get("result")
    return AgentAnswer(
        question=record.get("question", ""),
        attempts=[Attempt(**a) for a in record.get("attempts", [])],
        result=_result_from_record(result) if result else None,
        verified=record.get("verified"),
        summary=record.get("summary", ""),
        reading=record.get("reading", ""),
        matches=list(record.get("matches", [])),
        confidence=(record.get("confidence") or ["", ""])[0],
        confidence_why=(record.get("confidence") or ["", ""])[1],
        alternatives=[
            Alternative(a["sql"], a["reading"], _result_from_record(a["result"]))
            for a in record.get("alternatives", [])
        ],
        chart=record.get("chart"),
        follow_ups=list(record.get("follow_ups", [])),
        trace=list(record.get("trace", [])),
        timings=dict(record.get("timings", {})),
    )


def _result_to_record(result: QueryResult, preview_rows: int) -> dict:
    rows = [[_encode(v) for v in row] for row in result.rows[:preview_rows]]
    while len(rows) > 1 and len(json.dumps(rows)) > PREVIEW_MAX_BYTES:
        rows = rows[: len(rows) // 2]
    return {
        "columns": list(result.columns),
        "types": list(result.types),
        "rows": rows,
        # rows left out of the preview are counted like rows the query's cap left out
        "more_rows": result.more_rows + len(result.rows) - len(rows),
        "more_rows_exact": result.more_rows_exact,
        "first_page_s": result.first_page_s,
        "elapsed_s": result.elapsed_s,
    }


def _result_from_record(record: dict) -> QueryResult:
    return QueryResult(
        columns=record["columns"],
        types=record["types"],
        rows=[tuple(_decode(v) for v in row) for row in record["rows"]],
        more_rows=record["more_rows"],
        more_rows_exact=record["more_rows_exact"],
        first_page_s=record["first_page_s"],
        elapsed_s=record["elapsed_s"],
    )


# Values JSON has no type for are tagged, so a reloaded table, chart and answer read the same.
_TAG = "$floe"


def _encode(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, decimal.Decimal):
        return {_TAG: "decimal", "v": str(value)}
    if isinstance(value, dt.datetime):
        return {_TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {_TAG: "date", "v": value.isoformat()}
    if isinstance(value, dt.time):
        return {_TAG: "time", "v": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {_TAG: "timedelta", "v": value.total_seconds()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {_TAG: "bytes", "v": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, uuid.UUID):
        return {_TAG: "uuid", "v": str(value)}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {_TAG: "map", "v": [[_encode(k), _encode(v)] for k, v in value.items()]}
    return str(value)


_DECODERS = {
    "decimal": decimal.Decimal,
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "timedelta": lambda s: dt.timedelta(seconds=s),
    "bytes": base64.b64decode,
    "uuid": uuid.UUID,
}


def _decode(value: object) -> object:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if value.get(_TAG) == "map":
            return {_decode(k): _decode(v) for k, v in value["v"]}
        return _DECODERS[value[_TAG]](value["v"])
    return value
