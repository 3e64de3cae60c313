"""Reading the schema ahead: when a source is opened, the model reads the start every question's prompt
shares (the system prompt and the whole schema) while the person is still reading the page, so the
first question reads only its own part. On 2 cores the sample database's shared start is most of a
first question's prompt (docs/benchmarks.md, "One question's time")."""

from __future__ import annotations

import logging
import threading

from .agent import SqlAgent

log = logging.getLogger(__name__)
THREAD_NAME = "floe-warm-prompt"  # benchmarks wait for it by name


def warm_in_background(agent: SqlAgent) -> threading.Thread:
    """Start `agent.warm()` on a daemon thread. A failure is logged and nothing more: the first question
    then reads the whole prompt itself, as it would have anyway."""

    def run() -> None:
        try:
            tokens = agent.warm()
            log.info("read %d prompt tokens ahead for %s", tokens, agent.source.name)
        except Exception:
            log.warning("reading the schema ahead failed; the first question will read it", exc_info=True)

    thread = threading.Thread(target=run, name=THREAD_NAME, daemon=True)
    thread.start()
    return thread
