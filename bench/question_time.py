"""One question's time on Ask your data, through the page and as the evaluation harness asks it, with
where it went (loading, waiting in line, reading the prompt, writing, the query).

The page runs in Streamlit's AppTest in this process, on the embedded model and the sample database,
as a new user's first question (the model not yet loaded) and then again; the harness path is the
same agent and adapter without the page. Each line is the page's own timing line. Opening the page
starts the model reading the schema in the background (sql_agent/generation/warming.py); the first
question is asked once that is done, as a person reading the page for that long would ask it
(`--at-once`: one second after the page opens, waiting in line behind the reading).

    python bench/question_time.py ["What were total sales by month in 2023?"] [--at-once]
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTION = "What were total sales by month in 2023?"


def read_ahead_s(started: float) -> float:
    """Seconds from `started` until the background reading of the schema has finished."""
    from sql_agent.generation.warming import THREAD_NAME

    while any(t.name == THREAD_NAME for t in threading.enumerate()):
        time.sleep(0.1)
    return time.perf_counter() - started


def page_times(question: str, at_once: bool) -> list[str]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app" / "views" / "ask_data.py"), default_timeout=600)
    opened = time.perf_counter()
    at.run()
    lines = []
    if not at_once:
        lines.append(
            f"page opened; the model read the schema in the background in {read_ahead_s(opened):.1f} s"
        )
    for _ in range(2):
        next(b for b in at.button if b.label == "New analysis").click().run()
        time.sleep(1)  # the value index builds in the background meanwhile, as a person reads the page
        at.run()
        t0 = time.perf_counter()
        at.chat_input[0].set_value(question).run()
        wall = time.perf_counter() - t0
        line = next((c.value for c in at.caption if " s in all; " in c.value), "(no answer)")
        lines.append(f"page ({wall:.1f} s for the rerun): {line}")
    return lines


def harness_times(question: str) -> list[str]:
    from backends import create_backend, load_settings
    from backends.text_generator import TextGenerator
    from sql_agent.answers.summary import timing_line
    from sql_agent.execution import open_source
    from sql_agent.generation import SqlAgent
    from sql_agent.grounding import build_value_index
    from sql_agent.semantic import sample_semantic_model

    source = open_source("sample")
    try:
        generate = TextGenerator(lambda: create_backend("local", load_settings()))
        agent = SqlAgent(
            source, generate, sample_semantic_model(), values=build_value_index(source), second_readings=2
        )
        lines = []
        for _ in range(2):
            answer = agent.ask(question)
            lines.append(
                "harness path: " + timing_line(answer.timings, answer.result.elapsed_s if answer.ok else None)
            )
        return lines
    finally:
        source.close()


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--at-once"]
    question = args[0] if args else QUESTION
    os.environ.setdefault("FLOE_DATA_DIR", tempfile.mkdtemp(prefix="floe-bench-"))
    os.environ.setdefault("FLOE_LOCAL_MODEL", "qwen2.5-coder-1.5b")
    os.environ.setdefault("FLOE_CONVERSATION_SCOPE", "local")
    for line in page_times(question, "--at-once" in sys.argv):
        print(line, flush=True)
    for line in harness_times(question):
        print(line, flush=True)


if __name__ == "__main__":
    main()
