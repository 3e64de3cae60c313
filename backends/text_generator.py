"""The one path from Floe's packages to a backend for whole, short replies: `generate(messages, **options)`.

The Ask your data page, `python -m sql_agent ask`, the evaluation harness and the semantic model's
describer all call the model through `TextGenerator`, so an option the SQL agent passes (a sampled
repair's temperature, min_p and seed, a grammar) reaches every backend the same way. A backend that
cannot honour an option (Replicate takes no seed) gets the call without it, and the generator says so
in its trace; nothing raises for an option.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence

from .types import Backend, ChatParams, Message

# Every field of ChatParams but the model, which the caller fixes once.
OPTIONS = frozenset(f.name for f in dataclasses.fields(ChatParams)) - {"model"}
DEFAULT_PARAMS = ChatParams(max_tokens=320, temperature=0.0)  # deterministic, short replies

log = logging.getLogger(__name__)


class TextGenerator:
    """`generate(messages, **options) -> str` over a backend (or a function that returns one, called on
    the first request, so a page that may need no model resolves none). Options override `params`.
    `on_queue(ahead)` hears the request's place while a one-at-a-time backend serves others, and
    `None` once it starts. `take_trace()` returns, and forgets, what was left out of the calls."""

    def __init__(
        self,
        backend: Backend | Callable[[], Backend],
        params: ChatParams | None = None,
        on_queue: Callable[[int | None], None] | None = None,
    ):
        self._backend = backend
        self.params = params or DEFAULT_PARAMS
        self.on_queue = on_queue
        self._trace: list[str] = []
        self._spent: Counter = Counter()  # where the time of the calls went, until take_spent()

    def backend(self) -> Backend:
        if not hasattr(self._backend, "chat"):
            self._backend = self._backend()  # resolved once, on the first request
        return self._backend

    def with_params(self, **params) -> TextGenerator:
        """The same backend and queue callback with other default parameters (a longer reply, say)."""
        twin = TextGenerator(self._backend, dataclasses.replace(self.params, **params), self.on_queue)
        twin._trace, twin._spent = self._trace, self._spent  # one account, whichever twin made the call
        return twin

    def __call__(self, messages: Sequence[Message], **options) -> str:
        started = time.perf_counter()
        backend = self.backend()  # the first call may load a model
        loaded = time.perf_counter()
        honoured = backend.info().options
        usable = {k: v for k, v in options.items() if k in OPTIONS and k in honoured}
        self._note_left_out(backend.name, sorted(k for k in options if k not in usable))
        stream = backend.chat(list(messages), dataclasses.replace(self.params, **usable))
        last_in_line = [loaded]

        def heard(ahead: int | None) -> None:
            if ahead is not None:
                last_in_line[0] = time.perf_counter()  # told every few seconds while it waits
            if self.on_queue:
                self.on_queue(ahead)

        stream.on_queue = heard
        text = "".join(stream)
        usage = stream.usage
        queued = last_in_line[0] - loaded if stream.queued else 0.0
        first = usage.first_token_s if usage.first_token_s is not None else usage.total_s
        self._spent.update(
            calls=1,
            load_s=loaded - started,
            queue_s=queued,
            prompt_s=max(first - queued, 0.0),  # reading the prompt, up to the first token
            write_s=usage.total_s - first,
            prompt_tokens=usage.prompt_tokens,
            kept_prompt_tokens=usage.kept_prompt_tokens,
        )
        return text

    def warm(self, messages: Sequence[Message]) -> int:
        """Have the backend read `messages` ahead of calls that will start the same way, where it can
        (the embedded model keeps what it last read); the tokens read, 0 where it cannot."""
        warm = getattr(self.backend(), "warm", None)
        return warm(list(messages)) if warm else 0

    def take_spent(self) -> dict[str, float]:
        """Where the calls' time went since the last take: calls, load_s (resolving the backend, loading
        a model), queue_s (about: waiting for a one-at-a-time model), prompt_s (reading the prompt, to
        the first token), write_s (the reply) and prompt_tokens."""
        spent = dict(self._spent)
        self._spent.clear()
        return spent

    def take_trace(self) -> list[str]:
        trace, self._trace[:] = list(self._trace), []
        return trace

    def _note_left_out(self, backend_name: str, names: list[str]) -> None:
        known = [n for n in names if n in OPTIONS]
        unknown = [n for n in names if n not in OPTIONS]
        if unknown:  # a caller's mistake, not the person's: logged, and the call goes on without them
            log.warning("generation options Floe does not know were left out: %s", ", ".join(unknown))
        for note in (
            known
            and f"{backend_name} does not take {', '.join(known)}; the reply was asked for without them.",
            unknown and f"Left out options Floe does not know: {', '.join(unknown)}.",
        ):
            if note and note not in self._trace:
                self._trace.append(note)
