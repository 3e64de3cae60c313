"""A short answer and follow-up questions, written from the result itself so every number is real."""

from __future__ import annotations

import datetime as dt
import decimal
import re

from ..results import QueryResult
from ..schema import Schema
from .chart import column_kind


def format_value(value: object) -> str:
    if value is None:
        return "no value"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, (float, decimal.Decimal)):
        number = float(value)
        return f"{number:,.2f}" if abs(number) < 1e15 else f"{number:.3g}"
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def summarise(result: QueryResult) -> str:
    rows, cols = result.rows, result.columns
    if not rows:
        return "The query returned no rows."
    more = f" ({result.truncation_note})" if result.more_rows else ""
    if len(rows) == 1:
        pairs = [f"{c} is {format_value(v)}" for c, v in zip(cols, rows[0], strict=False)]
        return _sentence(", ".join(pairs[:6])) + more
    kinds = [column_kind(t) for t in result.types]
    measure = next(
        (i for i, k in enumerate(kinds) if k == "quantitative" and not cols[i].lower().endswith("id")), None
    )
    label = next((i for i, k in enumerate(kinds) if k != "quantitative"), None)
    if label is None and measure is not None:
        label = next((i for i in range(len(cols)) if i != measure), None)
    count = f"{len(rows):,} rows{more}."
    if measure is None or label is None:
        first = ", ".join(f"{c} {format_value(v)}" for c, v in zip(cols, rows[0], strict=False))
        return f"{count} The first is: {first}."
    values = [(r[label], r[measure]) for r in rows if r[measure] is not None]
    if not values:
        return count
    top = max(values, key=lambda p: p[1])
    low = min(values, key=lambda p: p[1])
    name = cols[measure]
    text = (
        f"{count} The highest {name} is {format_value(top[1])} ({cols[label]} {format_value(top[0])}); "
        f"the lowest is {format_value(low[1])} ({cols[label]} {format_value(low[0])})."
    )
    if not result.more_rows:
        numbers = [v for _, v in values]
        total = sum(numbers) if all(isinstance(v, int) for v in numbers) else sum(float(v) for v in numbers)
        text += f" They add up to {format_value(total)}."
    return text


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def numbers_in(text: str) -> set[str]:
    return {n.replace(",", "") for n in re.findall(r"-?\d[\d,]*\.?\d*", text)}


def is_grounded(answer: str, result: QueryResult) -> bool:
    """True when every number in `answer` appears in the result (as written, or rounded to 2 places)."""
    known: set[str] = {str(len(result.rows))}
    for row in result.rows:
        for v in row:
            known |= numbers_in(format_value(v)) | numbers_in(str(v))
    return numbers_in(answer) <= known


def follow_ups(
    question: str, sql: str, result: QueryResult, schema: Schema, tables: list[str], suggested: list[str]
) -> list[str]:
    """Two or three questions a user might ask next, built from columns the query did not use yet."""
    used = sql.lower()
    suggestions: list[str] = []
    dims, dates = [], []
    for name in tables:
        table = schema.table(name)
        if not table:
            continue
        for col in table.columns:
            kind = column_kind(col.type)
            if col.name.lower() in used or col.name.lower().endswith(("_id", "id", "email", "name")):
                continue
            if kind == "temporal":
                dates.append(col.name)
            elif kind == "nominal" and col.samples:
                dims.append(col.name)
    base = question.strip().rstrip("?.!")
    if dims:
        suggestions.append(f"{base}, broken down by {dims[0].replace('_', ' ')}?")
    if dates and not any(column_kind(t) == "temporal" for t in result.types):
        suggestions.append(f"How has this changed over time, by month of {dates[0].replace('_', ' ')}?")
    if len(result.rows) > 3 and not any(column_kind(t) == "temporal" for t in result.types):
        suggestions.append(f"Show only the top 5 for: {base.lower()}?")
    for q in suggested:
        if len(suggestions) >= 3:
            break
        if q.lower() != question.lower() and q not in suggestions:
            suggestions.append(q)
    return suggestions[:3]


def timing_line(timings: dict, query_s: float | None = None) -> str:
    """Where a question's time went, for people: "24.80 s in all; the model 24.70 s in 2 calls
    (loading 1.30 s, reading 3,120 prompt tokens (1,480 read before) 9.10 s, writing 4.30 s); the
    query 0.012 s". Tokens read before are a prefix the model kept from an earlier call."""
    t = timings
    text = f"{t.get('total_s', 0):.2f} s in all; the model {t.get('model_s', 0):.2f} s"
    if t.get("calls"):
        calls = int(t["calls"])
        parts = [f"loading {t['load_s']:.2f} s"] if t.get("load_s", 0) >= 0.05 else []
        if t.get("queue_s", 0) >= 0.05:
            parts.append(f"waiting in line about {t['queue_s']:.1f} s")
        read = f"reading {int(t.get('prompt_tokens', 0)):,} prompt tokens"
        if kept := int(t.get("kept_prompt_tokens", 0)):
            read += f" ({kept:,} read before)"
        parts.append(f"{read} {t.get('prompt_s', 0):.2f} s")
        parts.append(f"writing {t.get('write_s', 0):.2f} s")
        text += f" in {calls} call{'s' if calls > 1 else ''} ({', '.join(parts)})"
    if query_s is not None:
        text += f"; the query {query_s:.3f} s"
    return text
