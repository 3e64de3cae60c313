"""`python -m sql_agent check|run|ask|semantic|eval`: the command line contract scripts and evaluations use.

Exit codes: 0 allowed/ok, 3 blocked by the safety policy, 4 invalid against the schema or dialect,
5 database error (or the model failed to produce runnable SQL, for `ask`).
"""

from __future__ import annotations

import argparse
import json
import sys

from .execution.sandbox import DatabaseError, QueryTimeout, SandboxLimits
from .safety.validate import EXIT_DB_ERROR, check_sql

DIALECTS = ("duckdb", "snowflake")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return args.handler(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sql_agent", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="validate SQL; print a JSON verdict")
    check.add_argument(
        "--dialect", choices=DIALECTS, default="duckdb", help="the dialect the SQL is written in"
    )
    check.add_argument("--db", help="DuckDB file (or 'sample', 'snowflake') to validate names against")
    check.add_argument("sql")
    check.set_defaults(handler=_check)

    run = sub.add_parser("run", help="validate, then execute in the sandbox; print CSV")
    run.add_argument("--db", required=True)
    run.add_argument(
        "--dialect", choices=DIALECTS, help="the dialect the SQL is written in (default: the db's)"
    )
    run.add_argument("--max-rows", type=int, default=1000)
    run.add_argument("--timeout", type=float, default=SandboxLimits.timeout_s, help="seconds per query")
    run.add_argument("sql")
    run.set_defaults(handler=_run)

    ask = sub.add_parser("ask", help="the whole pipeline: question -> SQL -> result -> answer")
    ask.add_argument("--db", required=True)
    ask.add_argument("--backend", default="local")
    ask.add_argument("--max-repairs", type=int, default=2)
    ask.add_argument("--json", action="store_true", help="print the full trace as JSON")
    ask.add_argument("--owner", default="local", help="whose saved semantic model to use (default: local)")
    ask.add_argument("question")
    ask.set_defaults(handler=_ask)

    from .semantic.cli import add_semantic_parser

    add_semantic_parser(sub)

    ev = sub.add_parser(
        "eval", help="execution accuracy on a public text-to-SQL suite; print a JSON scorecard"
    )
    ev.add_argument("--suite", choices=("duckdb-nsql", "defog"), required=True)
    ev.add_argument("--backend", default="local")
    ev.add_argument(
        "--oracle-faults", action="store_true", help="replace the model by gold SQL with a seeded fault"
    )
    ev.add_argument(
        "--pipeline",
        choices=("agent", "bare"),
        default="agent",
        help="bare: one prompt with the whole schema DDL, no linking, checks or repair (the baseline)",
    )
    ev.add_argument(
        "--few-shot",
        type=int,
        default=0,
        help="examples shown per question, from the suite's other items on the same database",
    )
    ev.add_argument(
        "--semantic",
        choices=("none", "draft"),
        default="none",
        help="draft: each database gets the semantic model the app drafts for a source without a saved "
        "one (relationships as join hints, synonyms for linking)",
    )
    ev.add_argument(
        "--descriptions",
        action="store_true",
        help="defog: the column descriptions defog ships become column comments the prompt shows",
    )
    ev.add_argument(
        "--values",
        action="store_true",
        help="ground questions and literals in each database's text values (sql_agent/grounding)",
    )
    ev.add_argument(
        "--second-readings",
        type=int,
        default=0,
        help="sampled readings run beside each answer: agreement for 'confident', alternatives",
    )
    ev.add_argument(
        "--grammar", action="store_true", help="decode under a grammar of the linked schema's names"
    )
    ev.add_argument(
        "--candidates", type=int, default=1, help="replies per question, chosen by agreement of results"
    )
    ev.add_argument(
        "--half",
        choices=("first", "second"),
        help="only half the items: even (first) or odd (second) positions among each database's items",
    )
    ev.add_argument(
        "--verified-from",
        metavar="DETAILS_JSON",
        help="with --half second: the first half's answers this details file marks correct become "
        "verified queries (reused on a match, shown as examples)",
    )
    ev.add_argument(
        "--repair",
        choices=("conversation", "fresh"),
        default="fresh",
        help="fresh (default): each repair is a new prompt holding the failed query and its error; "
        "conversation: the error is the next turn of the same chat",
    )
    ev.add_argument("--keys", help="only these items, comma-separated (e.g. nsql-9,nsql-13)")
    ev.add_argument("--limit", type=int)
    ev.add_argument("--spread", action="store_true", help="take the --limit items evenly across the suite")
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--max-repairs", type=int, default=2)
    ev.add_argument("--eval-dir", help="default: ../shared/eval next to the repository")
    ev.add_argument("--details", help="write per-item results to this JSON file")
    ev.set_defaults(handler=_eval)
    return parser


def _check(args) -> int:
    schema = None
    if args.db:
        from .execution.sources import open_source

        source = open_source(args.db)
        schema = source.schema
        source.close()
    checked = check_sql(args.sql, args.dialect, schema)
    print(json.dumps(checked.verdict()))
    return checked.exit_code


def _run(args) -> int:
    from .execution.sources import open_source

    source = open_source(args.db, SandboxLimits(timeout_s=args.timeout, max_rows=args.max_rows))
    try:
        checked = check_sql(args.sql, args.dialect or source.dialect, source.schema, target=source.dialect)
        if not checked.allowed:
            print(json.dumps(checked.verdict()))
            return checked.exit_code
        try:
            result = source.run(checked.sql, args.max_rows)
        except (DatabaseError, QueryTimeout) as err:
            print(f"Database error: {err}", file=sys.stderr)
            return EXIT_DB_ERROR
        sys.stdout.write(result.to_csv())
        if result.truncation_note:
            print(f"({result.truncation_note})", file=sys.stderr)
        return 0
    finally:
        source.close()


def _ask(args) -> int:
    from .ask_cli import ask_command

    return ask_command(args)


def _eval(args) -> int:
    from .evaluation.harness import eval_command

    return eval_command(args)
