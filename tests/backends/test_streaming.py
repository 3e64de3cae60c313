"""The stream engine every provider shares: retries, timeouts, stop, usage.

The event functions below are scripted provider outputs (the input the engine consumes), not
stand-ins for Floe code: the real ChatStream runs unchanged.
"""

from __future__ import annotations

import threading
import time

import pytest

from backends import BackendTimeout, ChatStream, RateLimited, StreamPolicy, Unavailable
from backends.errors import AuthError
from backends.types import ProviderUsage

FAST = StreamPolicy(first_token_timeout_s=2, idle_timeout_s=1, max_attempts=3, backoff_base_s=0.01)


def scripted(*attempts):
    """Each attempt is a list of items: str deltas, ProviderUsage, an exception to raise, or a float to sleep."""
    calls = []

    def events(cancel: threading.Event):
        plan = attempts[min(len(calls), len(attempts) - 1)]
        calls.append(1)
        for item in plan:
            if isinstance(item, Exception):
                raise item
            if isinstance(item, float):
                time.sleep(item)
                continue
            yield item

    return events, calls


def test_retries_a_rate_limit_before_the_first_token_without_duplicating_text():
    events, calls = scripted([RateLimited("slow down", retry_after=0.05)], ["Hel", "lo"])
    stream = ChatStream(events, FAST)
    assert "".join(stream) == "Hello"
    assert len(calls) == 2


def test_failure_after_the_first_token_is_not_retried_and_keeps_the_partial_answer():
    events, calls = scripted(["Par", "tial", Unavailable("connection reset")], ["never"])
    stream = ChatStream(events, FAST)
    seen = []
    with pytest.raises(Unavailable):
        for delta in stream:
            seen.append(delta)
    assert "".join(seen) == "Partial" == stream.text
    assert len(calls) == 1


def test_auth_errors_are_not_retried():
    events, calls = scripted([AuthError("bad key")], ["never"])
    with pytest.raises(AuthError):
        list(ChatStream(events, FAST))
    assert len(calls) == 1


def test_gives_up_after_max_attempts():
    events, calls = scripted([Unavailable("HTTP 500")])
    with pytest.raises(Unavailable):
        list(ChatStream(events, FAST))
    assert len(calls) == FAST.max_attempts


def test_first_token_and_idle_timeouts():
    events, _ = scripted([5.0, "late"])
    with pytest.raises(BackendTimeout, match="first token"):
        list(ChatStream(events, FAST))
    events, _ = scripted(["early", 5.0, "late"])
    stream = ChatStream(events, FAST)
    with pytest.raises(BackendTimeout, match="between tokens"):
        list(stream)
    assert stream.text == "early"


def test_cancel_stops_the_stream_and_keeps_what_was_said():
    events, _ = scripted([f"t{i} " for i in range(1000)])
    stream = ChatStream(events, FAST)
    for i, _delta in enumerate(stream):
        if i == 2:
            stream.cancel()
    assert stream.text == "t0 t1 t2 "
    assert stream.stopped


def test_usage_prefers_provider_counts_and_labels_estimates():
    events, _ = scripted(["four score", ProviderUsage(prompt_tokens=11, completion_tokens=2, model="m1")])
    stream = ChatStream(events, FAST, prompt_tokens=(9, False))
    list(stream)
    assert (stream.usage.prompt_tokens, stream.usage.completion_tokens, stream.usage.exact) == (11, 2, True)
    assert stream.usage.model == "m1" and stream.usage.first_token_s is not None

    events, _ = scripted(["four score and seven"])
    stream = ChatStream(events, FAST, prompt_tokens=(9, False))
    list(stream)
    assert stream.usage.exact is False and stream.usage.completion_tokens > 0


def test_stop_during_a_stall_returns_at_once_without_a_timeout_error():
    events, _ = scripted(["before ", 30.0, "after"])
    stream = ChatStream(events, StreamPolicy(first_token_timeout_s=10, idle_timeout_s=10))
    deltas = iter(stream)
    assert next(deltas) == "before "
    threading.Timer(0.3, stream.cancel).start()
    t0 = time.monotonic()
    assert list(deltas) == []
    assert time.monotonic() - t0 < 2 and stream.stopped and stream.text == "before "
