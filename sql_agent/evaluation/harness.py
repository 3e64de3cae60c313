"""Runs a suite through the agent and prints a JSON scorecard: execution accuracy (Spider test-suite
rules), first try and after repair, valid-SQL rate, hallucinated identifiers, latency."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

import sqlglot

from ..execution.sandbox import DatabaseError, QueryTimeout, SandboxLimits
from ..execution.sources import DuckDBSource
from ..generation.agent import SqlAgent
from ..grounding import ValueIndex, build_value_index
from ..safety.validate import check_sql
from ..semantic.model import SemanticModel
from .baseline import bare_answer
from .examples import drafted_model, example_model, verified_models, with_queries_of
from .faults import RepairOracle, inject_fault
from .scoring import gold_is_ordered, results_match, tie_blocks
from .suites import default_eval_dir, half_of, load_suite

EVAL_LIMITS = SandboxLimits(timeout_s=30, max_rows=100_000, count_rows_up_to=0)
# An evaluation waits out a busy machine rather than scoring a slow first token as a wrong answer
EVAL_FIRST_TOKEN_TIMEOUT_S = "600"
HALLUCINATION_KINDS = {"unknown_table", "unknown_column", "unknown_function"}


def eval_command(args) -> int:
    eval_dir = Path(args.eval_dir) if args.eval_dir else default_eval_dir()
    if not eval_dir.exists():
        print(json.dumps({"skipped": f"no evaluation data at {eval_dir} (see ../shared/eval/README.md)"}))
        return 0
    if args.verified_from and (args.half != "second" or args.pipeline == "bare" or args.few_shot):
        print(
            "--verified-from needs --half second and the agent pipeline without --few-shot: the "
            "verified queries come from the first half and stand in for the examples",
            file=sys.stderr,
        )
        return 2
    verified = None
    if args.verified_from:
        first_half = half_of(load_suite(args.suite, eval_dir).items, "first")
        verified = verified_models(first_half, json.loads(Path(args.verified_from).read_text()))
    generate_for = None
    if not args.oracle_faults:
        from backends import BackendError, load_settings
        from backends.cli import create_for_terminal
        from backends.text_generator import TextGenerator

        try:
            backend = create_for_terminal(args.backend, load_settings(eval_environment(os.environ)))
        except BackendError as err:
            print(f"Backend error: {err.user_message}", file=sys.stderr)
            return 5
        generate = TextGenerator(backend)  # the adapter the page and the CLI use
        generate_for = lambda item, source: generate  # noqa: E731
        model = backend.info().default_model
    card, details = run_suite(
        args.suite,
        eval_dir,
        generate_for,
        args.limit,
        args.seed,
        args.max_repairs,
        args.backend,
        bare=args.pipeline == "bare",
        spread=args.spread,
        few_shot=args.few_shot,
        drafts=args.semantic == "draft",
        described=args.descriptions,
        repair_fresh=args.repair == "fresh",
        keys=args.keys.split(",") if args.keys else None,
        constrain=args.grammar,
        candidates=args.candidates,
        values=args.values,
        second_readings=args.second_readings,
        half=args.half,
        verified=verified,
        progress=generate_for is not None,
    )
    if verified is not None:
        card["verified_queries"] = sum(len(m.verified_queries) for m in verified.values())
    if generate_for is not None:
        card = {"model": model, "pipeline": args.pipeline, **card}
    print(json.dumps(card, indent=2))
    if args.details:
        Path(args.details).write_text(json.dumps(details, indent=1, default=str))
    return 0


def eval_environment(env) -> dict:
    """The environment with the evaluation's longer first-token timeout, unless one is set."""
    if env.get("FLOE_FIRST_TOKEN_TIMEOUT"):
        return dict(env)
    return {**env, "FLOE_FIRST_TOKEN_TIMEOUT": EVAL_FIRST_TOKEN_TIMEOUT_S}


def run_suite(
    suite_name,
    eval_dir,
    generate_for,
    limit=None,
    seed=0,
    max_repairs=2,
    backend_name="",
    bare=False,
    spread=False,
    few_shot=0,
    drafts=False,
    described=False,
    repair_fresh=True,
    keys=None,
    constrain=False,
    candidates=1,
    values=False,
    second_readings=0,
    half=None,
    verified=None,
    progress=False,
):
    """generate_for(item, source) -> generate; None: the oracle-faults mode. `bare`: the baseline
    prompt (baseline.py) instead of the agent. `few_shot`: how many examples from the suite's other
    items on the same database the prompt shows (examples.py). `drafts`: each database's drafted
    semantic model, as the app gives a source without a saved one, holds those examples. `described`:
    defog's databases carry defog's column descriptions as comments.
    `constrain`, `candidates`, `repair_fresh`: the agent's grammar, execution-guided selection and
    one-message repairs. `values`: each database's value index grounds questions and literals.
    `second_readings`: sampled readings run beside each answer (agreement, alternatives).
    `keys`: only the items with these keys. `spread`: the `limit` items are
    taken evenly across the suite rather than from its start (defog's first 25 all ask one
    database). `half`: "first" or
    "second", only that half of the suite (suites.half_of). `verified`: database path -> semantic
    model of verified queries, reused on a close match and shown as examples, as the app does.
    `progress`: a line on stderr per item scored."""
    suite = load_suite(suite_name, eval_dir, described)
    items = half_of(suite.items, half) if half else suite.items
    items = _subset([i for i in items if i.key in keys] if keys else items, limit, spread)
    skipped = dict(suite.skipped)
    sources: dict[Path, DuckDBSource] = {}
    indexes: dict[Path, ValueIndex] = {}
    drafted: dict[Path, SemanticModel] = {}
    records = []
    for number, item in enumerate(items, 1):
        source = sources.get(item.db_path) or sources.setdefault(
            item.db_path, DuckDBSource(item.db_path, EVAL_LIMITS)
        )
        gold_results = []
        for gold in item.gold:
            try:
                gold_results.append(gold_result(source, gold))
            except (DatabaseError, QueryTimeout, sqlglot.errors.SqlglotError):
                continue
        if not gold_results:
            reason = "gold SQL fails on the database"
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        fault = None
        if generate_for is None:
            faulty, fault = inject_fault(item.gold[0], source.schema, "duckdb", seed, item.key)
            generate = RepairOracle(faulty)
        else:
            generate = generate_for(item, source)
        if verified is not None:
            semantic = verified.get(item.db_path)
        else:
            semantic = example_model(item, suite.items) if few_shot else None
        if drafts:
            if item.db_path not in drafted:
                drafted[item.db_path] = drafted_model(source.schema, item.db_path.stem)
            semantic = with_queries_of(drafted[item.db_path], semantic)
        agent = SqlAgent(
            source,
            generate,
            semantic,
            max_repairs=max_repairs,
            max_rows=EVAL_LIMITS.max_rows,
            # another item's gold answer is never reused as this item's answer; a verified one is
            use_verified=verified is not None,
            examples=few_shot or SqlAgent.examples,
            constrain=constrain,
            candidates=candidates,
            repair_fresh=repair_fresh,
            values=_value_index(indexes, item.db_path, source) if values else None,
            second_readings=second_readings,
        )
        started = time.perf_counter()
        try:
            if bare:
                answer = bare_answer(source, generate, item.question, EVAL_LIMITS.max_rows)
            else:
                answer = agent.ask(item.question)
        except Exception as err:  # a backend failure is a wrong answer, recorded with its reason
            records.append({"key": item.key, "error": f"{type(err).__name__}: {err}", "latency_s": 0.0})
        else:
            latency = time.perf_counter() - started
            records.append(_record(item, answer, gold_results, fault, latency, source.schema))
        if progress:
            _report(records[-1], number, len(items))
    for s in sources.values():
        s.close()
    card = _scorecard(suite, records, skipped, generate_for is None, backend_name, len(items))
    if half:
        card = {"half": half, **card}
    return card, records


def gold_result(source, gold: str) -> tuple[list[tuple], bool, list[int] | None]:
    """The gold query's rows, whether their order counts, and which of them its ORDER BY leaves tied."""
    tree = sqlglot.parse_one(gold, read="duckdb")
    rows = source.run(gold).rows
    ordered = gold_is_ordered(tree)
    ties = tie_blocks(tree, rows, lambda sql: source.run(sql).rows) if ordered else None
    return rows, ordered, ties


def _report(record: dict, done: int, total: int) -> None:
    verdict = "error" if "error" in record else "right" if record["correct_final"] else "wrong"
    print(
        f"[{done}/{total}] {record['key']} {verdict} {record['latency_s']:.1f} s", file=sys.stderr, flush=True
    )


def _subset(items: list, limit: int | None, spread: bool) -> list:
    if not limit or limit >= len(items):
        return items
    if not spread:
        return items[:limit]
    return [items[i * len(items) // limit] for i in range(limit)]


def _record(item, answer, gold_results, fault, latency, schema) -> dict:
    first = answer.attempts[0] if answer.attempts else None
    correct_final = answer.ok and any(results_match(g, answer.result.rows, o, t) for g, o, t in gold_results)
    # valid = passed the checks and ran, the same test on the first try and after repair (a first
    # try that failed in the database used to count as valid, and repairs looked like losses)
    first_ok = bool(first and first.outcome == "ok")
    alternatives = [
        {
            "readings": alt.readings,
            "rows": len(alt.result.rows),
            "right": any(results_match(g, alt.result.rows, o, t) for g, o, t in gold_results),
        }
        for alt in answer.alternatives
    ]
    return {
        "key": item.key,
        "question": item.question,
        "fault": fault,
        "verified": answer.verified,
        "attempts": [{"outcome": a.outcome, "sql": a.sql, "message": a.message} for a in answer.attempts],
        "valid_first": first_ok,
        "valid_final": answer.ok,
        "hallucinated": bool(first and first.sql and _hallucinated(first.sql, schema)),
        "correct_first": first_ok and correct_final and len(answer.attempts) == 1,
        "correct_final": correct_final,
        "caught_before_run": first is not None and first.outcome in ("invalid", "blocked"),
        "auto_translated": bool(first and first.final_sql and "IFF" in (first.sql or "") and first_ok),
        "latency_s": latency,
        "model_s": answer.timings.get("model_s", 0.0),
        "matches": answer.matches,
        "second_readings_s": answer.timings.get("second_readings_s", 0.0),
        "empty": bool(answer.ok and not answer.result.rows),
        "confidence": answer.confidence,
        "agreement": list(answer.agreement),
        "alternatives": alternatives,
        "alternatives_right": any(a["right"] for a in alternatives),
    }


def _value_index(indexes: dict, path: Path, source) -> ValueIndex:
    """Each database's value index, built once (as the app builds one per source)."""
    if path not in indexes:
        indexes[path] = build_value_index(source)
    return indexes[path]


def _hallucinated(sql: str, schema) -> bool:
    """The first try names a table, column or function the database lacks, whatever the pipeline
    did about it (the bare baseline checks nothing, so the agent's verdict cannot be the measure)."""
    checked = check_sql(sql, schema.dialect, schema, row_cap=None)
    return any(issue.kind in HALLUCINATION_KINDS for issue in checked.issues)


def _rate(records, key) -> float:
    return round(sum(1 for r in records if r.get(key)) / len(records), 4) if records else 0.0


def _scorecard(suite, records, skipped, oracle, backend_name, attempted) -> dict:
    latencies = sorted(r["latency_s"] for r in records)
    card = {
        "suite": suite.name,
        "mode": "oracle-faults" if oracle else f"model:{backend_name}",
        "items_in_suite": suite.total,
        "items_usable": len(suite.items),
        "items_scored": len(records),
        "left_out": skipped,
        "execution_accuracy": _rate(records, "correct_final"),
        "accuracy_first_try": _rate(records, "correct_first"),
        "accuracy_after_repair": _rate(records, "correct_final"),
        "valid_sql_rate_first_try": _rate(records, "valid_first"),
        "valid_sql_rate_after_repair": _rate(records, "valid_final"),
        "hallucinated_identifier_rate": _rate(records, "hallucinated"),
        "latency_p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "latency_p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 3) if latencies else None,
        "errors": sum(1 for r in records if "error" in r),
    }
    if records and any(r.get("verified") for r in records):
        card["answered_by_verified_query"] = sum(1 for r in records if r.get("verified"))
    if attempted < len(suite.items):
        card["limited_to"] = attempted  # by --limit or --half
    if oracle:
        by_kind: dict[str, dict] = {}
        for r in records:
            k = by_kind.setdefault(
                r.get("fault") or "none", {"n": 0, "caught_before_run": 0, "correct_after_repair": 0}
            )
            k["n"] += 1
            k["caught_before_run"] += int(bool(r.get("caught_before_run")))
            k["correct_after_repair"] += int(bool(r.get("correct_final")))
        card["faults"] = by_kind
    return card
