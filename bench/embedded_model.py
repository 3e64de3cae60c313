"""The embedded model's speed and the memory of a process doing what the app's pages do with it.
Prints figures; asserts nothing.

    python bench/embedded_model.py                  # the default model (Qwen2.5-Coder-1.5B)
    FLOE_LOCAL_MODEL=smollm2-135m python bench/embedded_model.py

Reports: assembly/verification and load time, first token and tokens/s for chat answers, then the
process's resident memory (VmRSS, split into anonymous and file-backed pages) after one chat, one
SQL question on the sample database and one document question, with the offline embedder loaded.
Target (issue 7): RSS <= 1.8 GB with the 1.5B model after those three.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "rag"), str(ROOT / "bench")]

from memory import describe  # noqa: E402

from backends import ChatParams, Message, create_backend, load_settings  # noqa: E402
from backends.local import model_file  # noqa: E402


def memory() -> str:
    return describe(os.getpid())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()
    import streamlit  # noqa: F401  (the app process has it loaded too)

    print(f"start: {memory()}")
    settings = load_settings()
    started = time.perf_counter()
    model_file(settings.local)
    print(f"model file ready (verify or assemble): {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    backend = create_backend("local", settings)
    print(f"model loaded: {time.perf_counter() - started:.1f} s   {backend.info().description}")
    print(f"after load: {memory()}")

    # A different question each run: llama.cpp reuses a repeated prompt's cached prefix, which would
    # make the first token look instant.
    topics = ["a database index", "a foreign key", "a window function", "a materialized view", "a CTE"]
    first, rates = [], []
    for run in range(args.runs):
        topic = topics[run % len(topics)]
        prompt = [Message("user", f"Explain in a short paragraph what {topic} is and when it helps.")]
        stream = backend.chat(prompt, ChatParams(temperature=0.7, max_tokens=args.max_tokens))
        for _delta in stream:
            pass
        first.append(stream.usage.first_token_s)
        rates.append(stream.usage.tokens_per_s or 0.0)
    print(
        f"chat ({args.runs} runs, {args.max_tokens} tokens max): first token median {statistics.median(first):.2f} s, "
        f"{statistics.median(rates):.1f} tok/s"
    )
    print(f"after chat: {memory()}")

    from backends.text_generator import TextGenerator
    from sql_agent.execution.sample_db import ensure_sample_db
    from sql_agent.execution.sources import DuckDBSource
    from sql_agent.generation.agent import SqlAgent
    from sql_agent.semantic.model import sample_semantic_model

    source = DuckDBSource(ensure_sample_db())
    agent = SqlAgent(source, TextGenerator(backend), sample_semantic_model())
    started = time.perf_counter()
    answer = agent.ask("What were total sales by month in 2023?")
    print(f"SQL question: {'answered' if answer.ok else 'failed'} in {time.perf_counter() - started:.1f} s")
    print(f"after SQL: {memory()}")

    from corpus import corpus_files

    from backends.local_embeddings import get_embedder
    from rag.answer import answer_question
    from rag.ingest import ingest_files
    from rag.store import Store

    embedder = get_embedder()
    with tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp) / "docs.duckdb") as store:
            ingest_files(store, embedder, corpus_files())
        with Store(Path(tmp) / "docs.duckdb", read_only=True) as store:
            started = time.perf_counter()
            doc = answer_question(
                store, embedder, "How many vacation days do full-timers get?", backend=backend
            )
            print(f"document question: {doc.mode} in {time.perf_counter() - started:.1f} s")
    print(f"after documents: {memory()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
