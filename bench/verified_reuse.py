"""How often a verified query is reused for a question it does not answer, without a model.

Every first-half gold query of a suite is saved as verified (its database's semantic model); each
second-half question then goes through `match_verified`. A reuse is right when the reused query's
rows match that question's own gold rows (the harness's scoring rules). Prints, per suite: questions
asked, reuses, and how many of those were wrong.

    python bench/verified_reuse.py [--eval-dir ../shared/eval]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import sqlglot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sql_agent.evaluation.harness import EVAL_LIMITS, gold_result  # noqa: E402
from sql_agent.evaluation.scoring import results_match  # noqa: E402
from sql_agent.evaluation.suites import default_eval_dir, half_of, load_suite  # noqa: E402
from sql_agent.execution.sandbox import DatabaseError, QueryTimeout  # noqa: E402
from sql_agent.execution.sources import DuckDBSource  # noqa: E402
from sql_agent.semantic.model import SemanticModel, VerifiedQuery, match_verified  # noqa: E402


def reuse_figures(suite_name: str, eval_dir: Path) -> dict:
    items = load_suite(suite_name, eval_dir).items
    verified: dict[Path, list[VerifiedQuery]] = defaultdict(list)
    for item in half_of(items, "first"):
        verified[item.db_path].append(VerifiedQuery(item.key, item.question, item.gold[0]))
    asked, reused, wrong, examples = 0, 0, 0, []
    sources: dict[Path, DuckDBSource] = {}
    for item in half_of(items, "second"):
        asked += 1
        model = SemanticModel(item.db_path.stem, verified_queries=tuple(verified[item.db_path]))
        match, _ = match_verified(item.question, model)
        if match is None:
            continue
        reused += 1
        source = sources.setdefault(item.db_path, DuckDBSource(item.db_path, EVAL_LIMITS))
        if not _answers(source, match.sql, item.gold):
            wrong += 1
            examples.append(f"{item.question!r} got the SQL of {match.question!r}")
    for source in sources.values():
        source.close()
    return {"suite": suite_name, "asked": asked, "reused": reused, "wrong": wrong, "wrong_reuses": examples}


def _answers(source: DuckDBSource, sql: str, golds: tuple[str, ...]) -> bool:
    try:
        rows = source.run(sql).rows
        for g in golds:
            gold_rows, ordered, ties = gold_result(source, g)
            if results_match(gold_rows, rows, ordered, ties):
                return True
        return False
    except (DatabaseError, QueryTimeout, sqlglot.errors.ParseError):
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=default_eval_dir())
    args = parser.parse_args()
    if not args.eval_dir.exists():
        print(f"skipped: no evaluation data at {args.eval_dir}")
        return
    for name in ("duckdb-nsql", "defog"):
        figures = reuse_figures(name, args.eval_dir)
        print(
            f"{name}: {figures['reused']} of {figures['asked']} second-half questions reused a verified query; "
            f"{figures['wrong']} of those answer another question"
        )
        for line in figures["wrong_reuses"]:
            print(f"  - {line}")


if __name__ == "__main__":
    main()
