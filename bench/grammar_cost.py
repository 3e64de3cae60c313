"""What the schema grammar (`--grammar`, sql_grammar) costs per token on the embedded model: one SQL
question on the sample database, decoded with and without the grammar. Prints figures.

    python bench/grammar_cost.py [--max-tokens 24]

llama-cpp-python applies a grammar to the whole vocabulary (151,936 tokens for Qwen2.5) at every
step, before any top-k cut, so its cost grows with the grammar's size.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backends import ChatParams, Message, create_backend, load_settings  # noqa: E402
from sql_agent import prompts  # noqa: E402
from sql_agent.grammar import sql_grammar  # noqa: E402
from sql_agent.linking import link_schema  # noqa: E402
from sql_agent.sample_db import ensure_sample_db  # noqa: E402
from sql_agent.sources import DuckDBSource  # noqa: E402

QUESTION = "What were total sales by month in 2023?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-tokens", type=int, default=24)
    args = parser.parse_args()
    backend = create_backend("local", load_settings())
    schema = DuckDBSource(ensure_sample_db()).schema
    linked = link_schema(QUESTION, schema)
    messages = [
        Message("system", prompts.system_prompt("duckdb")),
        Message("user", prompts.user_prompt(QUESTION, linked.text)),
    ]
    grammar = sql_grammar([schema.table(n) for n in linked.tables])
    print(f"model: {backend.info().description}; linked tables: {', '.join(linked.tables)}")
    print(f"grammar: {len(grammar):,} characters")
    for label, extra in (("free", {}), ("grammar", {"grammar": grammar}), ("free again", {})):
        started = time.perf_counter()
        stream = backend.chat(messages, ChatParams(temperature=0.0, max_tokens=args.max_tokens, **extra))
        text = "".join(stream)
        spent = time.perf_counter() - started
        tokens = stream.usage.completion_tokens or 0
        rate = tokens / spent if spent else 0.0
        print(
            f"{label:>10}: {tokens} tokens in {spent:.1f} s ({rate:.2f} tok/s): {' '.join(text.split())[:70]!r}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
