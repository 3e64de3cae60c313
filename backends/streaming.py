"""ChatStream: runs a provider's event iterator on a worker thread and hands out text deltas.

Why a thread: first-token and idle timeouts, and Stop, must work whatever the SDK does while it
blocks on a socket. Retries (429/5xx, with backoff) happen only before the first delta is handed
out, so a retry can never duplicate text the user has already seen.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import httpx

from .errors import BackendError, BackendTimeout, BadResponse
from .types import Message, ProviderUsage, QueueStatus, Usage

# What a provider's iterator yields: text deltas and, optionally, usage it reports and its place in a queue.
ProviderEvent = str | ProviderUsage | QueueStatus
OpenEvents = Callable[[threading.Event], Iterator[ProviderEvent]]


@dataclass(frozen=True)
class StreamPolicy:
    connect_timeout_s: float = 10.0
    first_token_timeout_s: float = 120.0
    idle_timeout_s: float = 60.0
    max_attempts: int = 3
    backoff_base_s: float = 0.5
    backoff_max_s: float = 20.0

    def http_timeout(self) -> httpx.Timeout:
        """The SDK's socket timeouts. ChatStream enforces (and names) the first-token and idle limits;
        the read timeout only frees a stuck worker, so it must outlast both, or a slow first token
        reads as a lost connection and is retried."""
        read_s = max(self.first_token_timeout_s, self.idle_timeout_s) + 1.0
        return httpx.Timeout(read_s, connect=self.connect_timeout_s)


_DONE = object()


def estimate_tokens(text: str) -> int:
    """Rough count for backends without a tokenizer: about 4 characters per token."""
    return max(1, (len(text) + 3) // 4) if text else 0


def estimate_message_tokens(messages: Sequence[Message]) -> tuple[int, bool]:
    """A chat prompt's estimated size: each message's text plus a few tokens of chat-template framing."""
    return sum(estimate_tokens(m.content) + 4 for m in messages), False


class ChatStream:
    """Iterate for text deltas. Afterwards `usage`, `text` and `stopped` describe what happened.

    `cancel()` (from any thread) ends the stream at the next delta; the text so far is kept.
    `on_queue(ahead)` is called on the consumer's thread while the request waits for its turn (each
    call restarts the first-token clock), and `on_queue(None)` when the first text arrives.
    """

    def __init__(
        self,
        open_events: OpenEvents,
        policy: StreamPolicy,
        *,
        prompt_tokens: tuple[int, bool] = (0, False),
        count_completion: Callable[[str], tuple[int, bool]] | None = None,
        model: str = "",
    ):
        self._open_events = open_events
        self._policy = policy
        self._cancel = threading.Event()
        self._queue: queue.Queue = queue.Queue()
        self._prompt_tokens = prompt_tokens
        self._count_completion = count_completion or (lambda t: (estimate_tokens(t), False))
        self._provider_usage = ProviderUsage()
        self._started = False
        self._finish_callbacks: list[Callable[[Usage], None]] = []
        self.attempts = 0
        self.text = ""
        self.stopped = False
        self.usage = Usage(model=model)
        self.on_queue: Callable[[int | None], None] | None = None
        self.queued = False

    # -- consumer side ---------------------------------------------------------------------------
    def cancel(self) -> None:
        self.stopped = True
        self._cancel.set()
        self._queue.put(_DONE)  # wakes a consumer waiting on a stalled stream

    def on_finish(self, callback: Callable[[Usage], None]) -> None:
        """Call `callback(usage)` once the stream has ended: finished, stopped or failed."""
        self._finish_callbacks.append(callback)

    def __iter__(self) -> Iterator[str]:
        if self._started:
            raise RuntimeError("a ChatStream can be iterated once")
        self._started = True
        t0 = time.perf_counter()
        worker = threading.Thread(target=self._produce, name="floe-chat-stream", daemon=True)
        worker.start()
        try:
            while True:
                wait = self._policy.idle_timeout_s if self.text else self._policy.first_token_timeout_s
                # Retries sleep inside the worker; they must not count against the first token.
                try:
                    item = self._queue.get(timeout=wait)
                except queue.Empty:
                    if self._cancel.is_set():
                        break
                    phase = "between tokens" if self.text else "for the first token"
                    raise BackendTimeout(f"No reply after waiting {wait:g} s {phase}.") from None
                if item is _DONE:
                    break
                if isinstance(item, BackendError):
                    raise item
                if item == "":
                    continue  # heartbeat from a retry wait: resets nothing, keeps waiting
                if isinstance(item, QueueStatus):
                    self.queued = True
                    if self.on_queue:
                        self.on_queue(item.ahead)
                    continue
                if self.usage.first_token_s is None:
                    self.usage.first_token_s = time.perf_counter() - t0
                    if self.queued and self.on_queue:
                        self.on_queue(None)
                self.text += item
                yield item
                if self._cancel.is_set():
                    break
        finally:
            self._cancel.set()  # stops the worker whether we finished, failed or were closed
            self._finish_usage(time.perf_counter() - t0)
            for callback in self._finish_callbacks:
                callback(self.usage)

    def _finish_usage(self, total_s: float) -> None:
        u = self.usage
        u.total_s = total_s
        pu = self._provider_usage
        if pu.model:
            u.model = pu.model
        u.kept_prompt_tokens = pu.kept_prompt_tokens or 0
        exact = True
        if pu.prompt_tokens is not None:
            u.prompt_tokens = pu.prompt_tokens
        else:
            u.prompt_tokens, prompt_exact = self._prompt_tokens
            exact = exact and prompt_exact
        if pu.completion_tokens is not None and not self.stopped:
            u.completion_tokens = pu.completion_tokens
        else:
            u.completion_tokens, completion_exact = self._count_completion(self.text)
            exact = exact and completion_exact
        u.exact = exact

    # -- worker side -----------------------------------------------------------------------------
    def _produce(self) -> None:
        policy = self._policy
        for attempt in range(1, policy.max_attempts + 1):
            self.attempts = attempt
            sent_text = False
            try:
                for event in self._open_events(self._cancel):
                    if self._cancel.is_set():
                        break
                    if isinstance(event, ProviderUsage):
                        self._provider_usage = _merge(self._provider_usage, event)
                    elif isinstance(event, QueueStatus):
                        self._queue.put(event)
                    elif event:
                        sent_text = True
                        self._queue.put(event)
                self._queue.put(_DONE)
                return
            except BackendError as err:
                if sent_text or not err.retryable or attempt == policy.max_attempts:
                    self._queue.put(err)
                    return
                delay = err.retry_after
                if delay is None:
                    delay = policy.backoff_base_s * (2 ** (attempt - 1)) * (1 + random.random() / 4)
                if self._cancel.wait(min(delay, policy.backoff_max_s)):
                    self._queue.put(_DONE)
                    return
                self._queue.put("")  # heartbeat so the first-token clock restarts after a wait
            except Exception as exc:  # an SDK surprise: never let it kill the page silently
                self._queue.put(BadResponse(f"Unexpected error from the backend ({type(exc).__name__})."))
                return


def _merge(old: ProviderUsage, new: ProviderUsage) -> ProviderUsage:
    return ProviderUsage(
        prompt_tokens=new.prompt_tokens if new.prompt_tokens is not None else old.prompt_tokens,
        completion_tokens=new.completion_tokens
        if new.completion_tokens is not None
        else old.completion_tokens,
        model=new.model or old.model,
        kept_prompt_tokens=new.kept_prompt_tokens
        if new.kept_prompt_tokens is not None
        else old.kept_prompt_tokens,
    )
