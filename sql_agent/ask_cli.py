"""`python -m sql_agent ask`: the whole pipeline from the command line."""

from __future__ import annotations

import json
import sys

from backends.text_generator import TextGenerator

from .answers.summary import format_value, timing_line
from .execution.sources import open_source
from .generation.agent import SqlAgent
from .grounding import build_value_index
from .semantic.cli import semantic_store
from .semantic.store import model_for_source

EXIT_OK, EXIT_FAILED = 0, 5


def ask_command(args) -> int:
    from backends import BackendError, load_settings
    from backends.cli import create_for_terminal

    source = open_source(args.db)
    semantic = model_for_source(semantic_store(), args.owner, source).model  # saved, bundled or drafted
    try:
        backend = create_for_terminal(args.backend, load_settings())
    except BackendError as err:
        print(f"Backend error: {err.user_message}", file=sys.stderr)
        return EXIT_FAILED
    values = build_value_index(source)  # as the app builds one per source (bounded, sandboxed queries)
    agent = SqlAgent(
        source,
        TextGenerator(backend),
        semantic,
        max_repairs=args.max_repairs,
        values=values,
        second_readings=2,
    )
    try:
        answer = agent.ask(args.question)
    except BackendError as err:
        print(f"Backend error: {err.user_message}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        source.close()
    if args.json:
        print(json.dumps(answer_as_dict(answer), indent=2, default=str))
    else:
        print(render_text(answer))
    return EXIT_OK if answer.ok else EXIT_FAILED


def render_text(answer) -> str:
    lines = []
    for a in answer.attempts:
        label = "verified query" if answer.verified else f"attempt {a.number}"
        lines.append(f"-- {label}: {a.outcome}" + (f" ({a.message})" if a.message else ""))
    lines += [f"-- note: {note}" for note in answer.trace]
    lines += [f"-- matched: {match}" for match in answer.matches]
    if answer.confidence:
        lines.append(f"-- {answer.confidence}: {answer.confidence_why}")
    lines += [f"-- another reading: {a.reading}" for a in answer.alternatives]
    lines += ["", "SQL:", answer.sql or "(none)", ""]
    if answer.result:
        if answer.reading:
            lines += ["What the query does: " + answer.reading, ""]
        lines.append("Result:")
        lines.append(answer.result.to_csv().rstrip("\n"))
        if answer.result.truncation_note:
            lines.append(f"({answer.result.truncation_note})")
        lines += ["", "Answer: " + answer.summary]
        if answer.follow_ups:
            lines += ["", "Follow-up questions:"] + [f"- {q}" for q in answer.follow_ups]
    else:
        lines.append("No answer: " + answer.error)
    t = answer.timings
    lines.append(f"\n({timing_line(t)})")
    return "\n".join(lines)


def answer_as_dict(answer) -> dict:
    result = answer.result
    return {
        "question": answer.question,
        "verified": answer.verified,
        "sql": answer.sql,
        "attempts": [a.__dict__ for a in answer.attempts],
        "columns": result.columns if result else None,
        "rows": _rows(result) if result else None,
        "truncation": result.truncation_note if result else None,
        "answer": answer.summary,
        "reading": answer.reading,
        "matches": answer.matches,
        "confidence": answer.confidence,
        "confidence_why": answer.confidence_why,
        "alternatives": [
            {"sql": a.sql, "reading": a.reading, "columns": a.result.columns, "rows": _rows(a.result)}
            for a in answer.alternatives
        ],
        "chart": answer.chart,
        "follow_ups": answer.follow_ups,
        "schema_tables": answer.schema_slice.tables if answer.schema_slice else None,
        "prompt": [m.as_dict() for m in answer.messages],
        "trace": answer.trace,
        "timings": answer.timings,
        "error": answer.error,
    }


def _rows(result) -> list[list[str]]:
    return [[format_value(v) for v in r] for r in result.rows[:50]]
