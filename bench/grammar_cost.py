"""What the schema grammar (`--grammar`, sql_grammar) costs per token on the embedded model: one SQL
question on the sample database, decoded free, under the grammar as Floe applies it (GrammarGate:
check the tokens the model would pick), and under llama-cpp-python's own `grammar=` (the whole
vocabulary, 151,936 tokens for Qwen2.5, checked at every step). Prints figures.

    python bench/grammar_cost.py [--max-tokens 200] [--full-tokens 16]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backends import ChatParams, Message, create_backend, load_settings  # noqa: E402
from sql_agent.execution.sample_db import ensure_sample_db  # noqa: E402
from sql_agent.execution.sources import DuckDBSource  # noqa: E402
from sql_agent.generation import prompts  # noqa: E402
from sql_agent.generation.grammar import sql_grammar  # noqa: E402
from sql_agent.generation.linking import link_schema  # noqa: E402

QUESTION = "What were total sales by month in 2023?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument(
        "--full-tokens", type=int, default=16, help="tokens for the whole-vocabulary run (slow)"
    )
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
    # one short reply first, so that every run below finds the prompt in llama.cpp's cache
    "".join(backend.chat(messages, ChatParams(temperature=0.0, max_tokens=1)))
    for label, extra in (("free", {}), ("gate", {"grammar": grammar}), ("free again", {})):
        started = time.perf_counter()
        stream = backend.chat(messages, ChatParams(temperature=0.0, max_tokens=args.max_tokens, **extra))
        text = "".join(stream)
        _report(label, stream.usage.completion_tokens or 0, time.perf_counter() - started, text)
    if args.full_tokens:
        from llama_cpp import LlamaGrammar

        llm = backend._llm  # the bench reaches past the backend to run llama-cpp-python's own grammar path
        started = time.perf_counter()
        reply = llm.create_chat_completion(
            messages=[m.as_dict() for m in messages],
            temperature=0.0,
            max_tokens=args.full_tokens,
            grammar=LlamaGrammar.from_string(grammar, verbose=False),
        )
        tokens = reply["usage"]["completion_tokens"]
        _report(
            "whole vocab", tokens, time.perf_counter() - started, reply["choices"][0]["message"]["content"]
        )
    return 0


def _report(label: str, tokens: int, spent: float, text: str) -> None:
    rate = tokens / spent if spent else 0.0
    print(
        f"{label:>11}: {tokens} tokens in {spent:.1f} s ({rate:.2f} tok/s): {' '.join(text.split())[:70]!r}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
