"""How often Floe asks which measure a word means, without a model: on a small set of questions about
the sample database as a new source would see it (its drafted semantic model, no curated synonyms),
written to be ambiguous or not, and on every question of both evaluation suites, where each question
has one intended answer, so an ask is needless when the gold query uses only one of the options.

    python bench/ambiguity.py [--eval-dir ../shared/eval]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sql_agent.evaluation.suites import default_eval_dir, load_suite  # noqa: E402
from sql_agent.execution import DuckDBSource, SandboxLimits, open_source  # noqa: E402
from sql_agent.semantic.ambiguity import find_ambiguity  # noqa: E402
from sql_agent.semantic.draft import draft_semantic_model  # noqa: E402
from sql_agent.semantic.model import model_from_data  # noqa: E402

# (question, whether a person would have to say which measure) on the sample database
SAMPLE_QUESTIONS = [
    ("What is the average price per category?", True),  # list price or the price paid?
    ("Which products have the highest price?", True),
    ("Average price of laptops", True),
    ("What is the total unit cost of products per category?", False),
    ("How many orders came through each channel?", False),
    ("What is the average discount per channel?", False),
    ("What is the average list price per category?", False),
    ("Total quantity sold per month in 2024", False),
]


def sample_figures() -> None:
    source = open_source("sample")
    try:
        model = model_from_data(draft_semantic_model(source.schema, "sample"))
        asked = right = 0
        for question, ambiguous in SAMPLE_QUESTIONS:
            found = find_ambiguity(question, source.schema, model)
            asked += found is not None
            right += (found is not None) == ambiguous
            print(
                f"  {'asks' if found else 'goes on':7} {question}"
                + (f"  -> {found.question()}" if found else "")
            )
        print(f"sample database: asks on {asked} of {len(SAMPLE_QUESTIONS)}; as intended on {right}")
    finally:
        source.close()


def suite_figures(suite_name: str, eval_dir: Path) -> None:
    suite = load_suite(suite_name, eval_dir)
    models, asks, needless = {}, 0, 0
    for item in suite.items:
        if item.db_path not in models:
            source = DuckDBSource(item.db_path, SandboxLimits())
            models[item.db_path] = (source.schema, model_from_data(draft_semantic_model(source.schema, "x")))
            source.close()
        schema, model = models[item.db_path]
        found = find_ambiguity(item.question, schema, model)
        if found is None:
            continue
        asks += 1
        used = [c for _, c in found.options if c.lower() in item.gold[0].lower()]
        needless += len(used) == 1
        print(f"  {item.key}: {found.question()}  (gold uses {', '.join(used) or 'neither'})")
    print(
        f"{suite_name}: asks on {asks} of {len(suite.items)} questions; needlessly (the gold uses one) {needless}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=default_eval_dir())
    args = parser.parse_args()
    sample_figures()
    for suite in ("duckdb-nsql", "defog"):
        suite_figures(suite, args.eval_dir)


if __name__ == "__main__":
    main()
