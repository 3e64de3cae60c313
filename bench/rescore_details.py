"""Rescore evaluation details files under the harness's current rules, without a model.

Each record's last query (when it ran) and its item's gold queries are run again, and compared with
today's scoring (tied rows, items left out of the suite). Prints, per file: EX and first-try EX as
recorded and as rescored, and the items whose verdict changed. This is how the README's step tables
were brought under the tie-aware scoring and the 44-item duckdb-nsql suite.

    python bench/rescore_details.py --suite defog|duckdb-nsql DETAILS.json [...] [--eval-dir ../shared/eval]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sql_agent.evaluation.harness import EVAL_LIMITS, gold_result  # noqa: E402
from sql_agent.evaluation.scoring import results_match  # noqa: E402
from sql_agent.evaluation.suites import default_eval_dir, load_suite  # noqa: E402
from sql_agent.execution.sources import DuckDBSource  # noqa: E402
from sql_agent.safety.validate import check_sql  # noqa: E402


def rescore(records: list[dict], items: dict, sources: dict, golds: dict) -> dict:
    kept = [r for r in records if r["key"] in items and "error" not in r]
    right = first = 0
    changed = []
    for record in kept:
        item = items[record["key"]]
        source = sources.get(item.db_path) or sources.setdefault(
            item.db_path, DuckDBSource(item.db_path, EVAL_LIMITS)
        )
        if record["key"] not in golds:
            golds[record["key"]] = [g for g in (_gold(source, q) for q in item.gold) if g]
        verdict = _matches(record, source, golds[record["key"]])
        right += verdict
        first += verdict and record["valid_first"] and len(record["attempts"]) == 1
        if verdict != record["correct_final"]:
            changed.append(f"{record['key']} {'right' if verdict else 'wrong'}")
    n = len(kept) or 1
    return {
        "items": len(kept),
        "left_out": len(records) - len(kept),
        "recorded_ex": round(sum(r["correct_final"] for r in kept) / n, 3),
        "ex": round(right / n, 3),
        "ex_first_try": round(first / n, 3),
        "changed": changed,
    }


def _gold(source, sql):
    try:
        return gold_result(source, sql)
    except Exception:  # a gold that fails now is skipped, as the harness skips it
        return None


def _matches(record: dict, source, golds) -> bool:
    last = record["attempts"][-1] if record["attempts"] else None
    if not last or last["outcome"] != "ok" or not last["sql"]:
        return False
    checked = check_sql(last["sql"], "duckdb", source.schema, row_cap=None)
    try:
        rows = source.run(checked.sql if checked.allowed else last["sql"]).rows
    except Exception:
        return False
    return any(results_match(gold_rows, rows, ordered, ties) for gold_rows, ordered, ties in golds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", required=True, choices=["duckdb-nsql", "defog"])
    parser.add_argument("--eval-dir", type=Path, default=default_eval_dir())
    parser.add_argument("details", nargs="+", type=Path)
    args = parser.parse_args()
    if not args.eval_dir.exists():
        print(f"skipped: no evaluation data at {args.eval_dir}")
        return
    items = {i.key: i for i in load_suite(args.suite, args.eval_dir).items}
    sources: dict = {}
    golds: dict = {}
    for path in args.details:
        figures = rescore(json.loads(path.read_text()), items, sources, golds)
        print(f"{path.name}: {json.dumps(figures)}")
    for source in sources.values():
        source.close()


if __name__ == "__main__":
    main()
