"""Calibrate "confident" against evaluation runs, without a model: for each item of a details file
(python -m sql_agent eval ... --details), the signals Floe has (the first query ran, repairs, an empty
result, literals not in the data) are read or recomputed (the final query is run again on the
database, the value index built as the app builds it), and each candidate rule is scored:
coverage (the share of answers marked confident) and precision (how many of those are right).

    python bench/confidence.py --suite duckdb-nsql FIRST_HALF.json [--report SECOND_HALF.json]

Choose the rule on the first half; --report prints the same figures for the second half.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sql_agent.evaluation.harness import EVAL_LIMITS  # noqa: E402
from sql_agent.evaluation.suites import default_eval_dir, load_suite  # noqa: E402
from sql_agent.execution import DatabaseError, DuckDBSource, QueryTimeout  # noqa: E402
from sql_agent.grounding import build_value_index, ungrounded_literals  # noqa: E402
from sql_agent.safety import check_sql  # noqa: E402

# Each rule: the conditions that make an answer "unsure".
RULES = {
    "repaired": ("repairs",),
    "repaired or empty": ("repairs", "empty"),
    "repaired, empty or ungrounded": ("repairs", "empty", "ungrounded"),
    "repaired twice or empty": ("repairs2", "empty"),
    # with --second-readings: the sampled readings' agreement (the app's rule is the first of these)
    "... ungrounded, or a reading disagrees": ("repairs", "empty", "ungrounded", "any_disagree"),
    "... ungrounded, or no reading agrees": ("repairs", "empty", "ungrounded", "none_agree"),
    "repaired twice, empty, ungrounded or none agree": ("repairs2", "empty", "ungrounded", "none_agree"),
    # details written since the alternatives record how many readings found them: a reading that
    # failed to run says nothing about the answer; only one that ran and found other rows does
    "... ungrounded, or a reading that ran disagrees": ("repairs", "empty", "ungrounded", "ran_disagree"),
    "... or a reading that ran disagrees, or none ran": (
        "repairs",
        "empty",
        "ungrounded",
        "ran_disagree",
        "none_ran",
    ),
}


def signals(records: list[dict], suite: str, eval_dir: Path) -> list[dict]:
    items = {i.key: i for i in load_suite(suite, eval_dir).items}
    sources, indexes, out = {}, {}, []
    for r in records:
        item = items.get(r["key"])
        if item is None or "attempts" not in r:
            continue
        path = item.db_path
        if path not in sources:
            sources[path] = DuckDBSource(path, EVAL_LIMITS)
            indexes[path] = build_value_index(sources[path])
        source, last = sources[path], r["attempts"][-1] if r["attempts"] else {}
        ran, empty, ungrounded = r["valid_final"], False, 0
        if ran and last.get("sql"):
            checked = check_sql(last["sql"], "duckdb", source.schema)
            try:
                empty = not source.run(checked.sql, 10).rows
            except (DatabaseError, QueryTimeout):
                pass
            ungrounded = len(ungrounded_literals(last["sql"], "duckdb", source.schema, indexes[path]))
        agreeing, sampled = r.get("agreement", (0, 0))
        out.append(
            {
                "agreeing": agreeing,
                "sampled": sampled,
                "disagreeing": sum(a["readings"] for a in r.get("alternatives", [])),
                "right": r["correct_final"],
                "ran": ran,
                "repairs": len(r["attempts"]) - 1,
                "empty": empty,
                "ungrounded": ungrounded,
            }
        )
    for s in sources.values():
        s.close()
    return out


def unsure(s: dict, conditions) -> bool:
    if not s["ran"]:
        return True
    checks = {
        "repairs": s["repairs"] > 0,
        "repairs2": s["repairs"] > 1,
        "empty": s["empty"],
        "ungrounded": s["ungrounded"] > 0,
        "any_disagree": s["agreeing"] < s["sampled"],
        "none_agree": s["sampled"] > 0 and s["agreeing"] == 0,
        "ran_disagree": s["disagreeing"] > 0,
        "none_ran": s["sampled"] > 0 and s["agreeing"] + s["disagreeing"] == 0,
    }
    return any(checks[c] for c in conditions)


def figures(items: list[dict]) -> dict[str, str]:
    accuracy = sum(s["right"] for s in items) / len(items)
    rows = {"(plain accuracy)": f"{accuracy:.3f} of {len(items)}"}
    for name, conditions in RULES.items():
        sure = [s for s in items if not unsure(s, conditions)]
        precision = sum(s["right"] for s in sure) / len(sure) if sure else 0.0
        rows[name] = (
            f"coverage {len(sure) / len(items):.2f}, precision {precision:.2f} ({len(sure)} confident)"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", required=True, choices=("duckdb-nsql", "defog"))
    parser.add_argument("details", help="the first half's details file")
    parser.add_argument("--report", help="the second half's details file")
    parser.add_argument("--eval-dir", type=Path, default=default_eval_dir())
    args = parser.parse_args()
    for label, path in (("tuned on", args.details), ("reported on", args.report)):
        if path:
            print(f"{args.suite}, {label} {path}:")
            for name, text in figures(
                signals(json.loads(Path(path).read_text()), args.suite, args.eval_dir)
            ).items():
                print(f"  {name:32} {text}")


if __name__ == "__main__":
    main()
