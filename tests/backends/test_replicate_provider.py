"""Replicate provider: Floe's real code and the real `replicate` SDK against a STAND-IN of
Replicate's HTTP API on loopback (tests/backends/standins/replicate_api.py), since this machine
cannot reach api.replicate.com. No Floe function is mocked; faults are injected by the stand-in.

What each test checks is what a user would notice: the answer text (shown once, never duplicated
by a retry), the message of a failure, the partial answer kept, and that the API token never
appears in an error message.
"""

from __future__ import annotations

import pytest

from backends import (
    AuthError,
    BackendTimeout,
    BadResponse,
    Unavailable,
    create_backend,
    load_settings,
)
from tests.backends.standins import Reply
from tests.backends.standins.base import DEFAULT_TOKENS, ERROR_EVENT, MALFORMED, RESET, STALL
from tests.backends.standins.drive import assert_secret_absent, drive
from tests.backends.standins.fake_secrets import REPLICATE_TOKEN
from tests.conftest import free_port

pytestmark = pytest.mark.timeout(60)

ANSWER = "".join(DEFAULT_TOKENS)
MODEL = "snowflake/snowflake-arctic-instruct"


def replicate_backend(base_url: str, token: str = REPLICATE_TOKEN, **overrides):
    cfg = {
        "REPLICATE_API_TOKEN": token,
        "FLOE_REPLICATE_BASE_URL": base_url,
        "FLOE_FIRST_TOKEN_TIMEOUT": "5",
        "FLOE_IDLE_TIMEOUT": "5",
        "FLOE_CONNECT_TIMEOUT": "2",
        **overrides,
    }
    return create_backend("replicate", load_settings(cfg))


def test_standin_replicate_streams_the_answer_with_the_configured_token(replicate_standin):
    out = drive(replicate_backend(replicate_standin.base_url), "What is Arctic?", max_tokens=77)

    assert out.error is None
    assert out.deltas == list(DEFAULT_TOKENS)  # each event arrives as its own delta, in order
    assert out.shown == out.stream.text == ANSWER
    # The SDK's requests (create, then the SSE stream) all carry the configured token.
    assert len(replicate_standin.requests) == 2
    assert {r.headers["authorization"] for r in replicate_standin.requests} == {f"Bearer {REPLICATE_TOKEN}"}
    create = replicate_standin.creates()[0]
    assert create.path == f"/v1/models/{MODEL}/predictions"
    body = create.json()
    assert body["stream"] is True
    assert body["input"]["prompt_template"] == "{prompt}"
    assert body["input"]["max_new_tokens"] == 77
    assert "<|im_start|>user\nWhat is Arctic?<|im_end|>" in body["input"]["prompt"]
    assert body["input"]["prompt"].endswith("<|im_start|>assistant\n")
    usage = out.stream.usage
    assert usage.model == MODEL
    assert usage.first_token_s is not None and usage.total_s >= usage.first_token_s
    assert usage.completion_tokens > 0 and usage.exact is False  # Replicate streams no counts


def test_standin_replicate_429_with_retry_after_then_success_waits_and_shows_text_once(replicate_standin):
    replicate_standin.script(Reply(status=429, headers={"Retry-After": "1"}))

    out = drive(replicate_backend(replicate_standin.base_url))

    assert out.error is None
    assert out.shown == out.stream.text == ANSWER
    first, second = replicate_standin.creates()
    # Retry-After is what Replicate asks clients to honour; Floe's own backoff starts at 0.5 s.
    assert second.at - first.at >= 0.95


def test_standin_replicate_500_then_success_retries_without_duplicating(replicate_standin):
    replicate_standin.script(Reply(status=500))

    out = drive(replicate_backend(replicate_standin.base_url))

    assert out.error is None
    assert out.shown == out.stream.text == ANSWER
    assert len(replicate_standin.creates()) == 2


def test_standin_replicate_502_on_the_stream_url_before_any_token_retries(replicate_standin):
    replicate_standin.script(Reply(stream_status=502))

    out = drive(replicate_backend(replicate_standin.base_url))

    assert out.error is None
    assert out.shown == out.stream.text == ANSWER
    assert len(replicate_standin.creates()) == 2


def test_standin_replicate_500_always_gives_up_with_unavailable(replicate_standin):
    replicate_standin.script(then=Reply(status=500))

    out = drive(replicate_backend(replicate_standin.base_url, FLOE_MAX_ATTEMPTS="3"))

    assert isinstance(out.error, Unavailable)
    assert out.error.user_message == "Replicate failed to answer (HTTP 500)."
    assert out.shown == out.stream.text == ""
    assert len(replicate_standin.creates()) == 3
    assert_secret_absent(out.error, REPLICATE_TOKEN)


def test_standin_replicate_401_is_an_auth_error_not_retried(replicate_standin):
    wrong = "r8_WrongTokenTheUserPasted0123456789"
    out = drive(replicate_backend(replicate_standin.base_url, token=wrong))

    assert isinstance(out.error, AuthError)
    assert out.error.user_message == "Replicate refused the credentials (HTTP 401)."
    assert len(replicate_standin.creates()) == 1
    assert replicate_standin.creates()[0].headers["authorization"] == f"Bearer {wrong}"
    assert_secret_absent(out.error, wrong, REPLICATE_TOKEN)


def test_standin_replicate_connection_reset_mid_stream_keeps_the_partial_answer(replicate_standin):
    replicate_standin.script(Reply(tokens=DEFAULT_TOKENS[:4], end=RESET))

    out = drive(replicate_backend(replicate_standin.base_url))

    assert isinstance(out.error, Unavailable)
    assert out.error.user_message == "Lost the connection to Replicate while streaming the answer."
    assert out.shown == out.stream.text == "".join(DEFAULT_TOKENS[:4])
    assert len(replicate_standin.creates()) == 1  # text was shown: a retry would duplicate it
    assert_secret_absent(out.error, REPLICATE_TOKEN)


def test_standin_replicate_reset_before_the_first_token_retries_and_shows_text_once(replicate_standin):
    replicate_standin.script(Reply(tokens=(), end=RESET))

    out = drive(replicate_backend(replicate_standin.base_url))

    assert out.error is None
    assert out.shown == out.stream.text == ANSWER
    assert len(replicate_standin.creates()) == 2


def test_standin_replicate_malformed_event_is_a_bad_response_keeping_the_partial_answer(replicate_standin):
    replicate_standin.script(Reply(tokens=DEFAULT_TOKENS[:3], end=MALFORMED))

    out = drive(replicate_backend(replicate_standin.base_url))

    assert isinstance(out.error, BadResponse)
    assert out.error.user_message.startswith("Replicate sent a stream event Floe could not read")
    assert out.shown == out.stream.text == "".join(DEFAULT_TOKENS[:3])
    assert len(replicate_standin.creates()) == 1
    assert_secret_absent(out.error, REPLICATE_TOKEN)


def test_standin_replicate_error_event_shows_the_reason_without_the_token(replicate_standin):
    # A hostile or careless error text that quotes the caller's token: Floe must scrub it.
    detail = f"CUDA out of memory (request authorised with {REPLICATE_TOKEN})"
    replicate_standin.script(Reply(tokens=DEFAULT_TOKENS[:2], end=ERROR_EVENT, detail=detail))

    out = drive(replicate_backend(replicate_standin.base_url))

    assert isinstance(out.error, BadResponse)
    assert out.error.user_message.startswith("Replicate reported an error while generating:")
    assert "CUDA out of memory" in out.error.user_message
    assert out.shown == out.stream.text == "".join(DEFAULT_TOKENS[:2])
    assert_secret_absent(out.error, REPLICATE_TOKEN)


def test_standin_replicate_stall_before_the_first_token_times_out_once(replicate_standin):
    replicate_standin.script(Reply(tokens=(), end=STALL))
    backend = replicate_backend(
        replicate_standin.base_url, FLOE_FIRST_TOKEN_TIMEOUT="1", FLOE_IDLE_TIMEOUT="0.5"
    )

    out = drive(backend)

    assert isinstance(out.error, BackendTimeout)
    assert out.error.user_message == "No reply after waiting 1 s for the first token."
    assert out.shown == out.stream.text == ""
    # A stall is not a failure to retry: one prediction, not a new (billed) one per attempt.
    assert len(replicate_standin.creates()) == 1


def test_standin_replicate_stall_between_tokens_times_out_keeping_the_partial_answer(replicate_standin):
    replicate_standin.script(Reply(tokens=DEFAULT_TOKENS[:3], end=STALL))
    backend = replicate_backend(
        replicate_standin.base_url, FLOE_FIRST_TOKEN_TIMEOUT="2", FLOE_IDLE_TIMEOUT="1"
    )

    out = drive(backend)

    assert isinstance(out.error, BackendTimeout)
    assert out.error.user_message == "No reply after waiting 1 s between tokens."
    assert out.shown == out.stream.text == "".join(DEFAULT_TOKENS[:3])
    assert len(replicate_standin.creates()) == 1


def test_standin_replicate_first_token_slower_than_idle_timeout_still_arrives(replicate_standin):
    # The first-token timeout (3 s) governs the wait for the first token, not the idle one (0.5 s).
    replicate_standin.script(Reply(first_delay_s=1.2))
    backend = replicate_backend(
        replicate_standin.base_url, FLOE_FIRST_TOKEN_TIMEOUT="3", FLOE_IDLE_TIMEOUT="0.5"
    )

    out = drive(backend)

    assert out.error is None
    assert out.shown == out.stream.text == ANSWER
    assert len(replicate_standin.creates()) == 1
    assert out.stream.usage.first_token_s >= 1.0


def test_standin_replicate_stop_keeps_the_partial_answer_and_cancels_the_prediction(replicate_standin):
    tokens = tuple(f" t{i}" for i in range(60))
    replicate_standin.script(Reply(tokens=tokens, delay_s=0.03))

    out = drive(replicate_backend(replicate_standin.base_url), stop_after=3)

    assert out.error is None
    assert out.stream.stopped
    assert out.shown == out.stream.text == "".join(tokens[:3])
    # The stand-in sees Replicate's cancel request, so the rest is neither generated nor billed.
    assert replicate_standin.wait_for(lambda: len(replicate_standin.cancels()) == 1)
    (pid,) = replicate_standin.predictions
    cancel = replicate_standin.cancels()[0]
    assert cancel.path == f"/v1/predictions/{pid}/cancel"
    assert cancel.headers["authorization"] == f"Bearer {REPLICATE_TOKEN}"
    assert replicate_standin.wait_for(lambda: replicate_standin.streams[0].ended != "")
    assert replicate_standin.streams[0].tokens_sent < len(tokens)


def test_standin_replicate_output_that_looks_like_a_url_is_shown_as_text(replicate_standin):
    # The SDK turns an output event starting with "https:" or "data:" into a FileOutput object.
    tokens = ("See", " ", "https://docs.snowflake.com/cortex", " and", " ", "data:text/plain,hi", ".")
    replicate_standin.script(Reply(tokens=tokens))

    out = drive(replicate_backend(replicate_standin.base_url))

    assert out.error is None
    assert out.deltas == list(tokens)
    assert out.shown == out.stream.text == "".join(tokens)


def test_standin_replicate_conversation_reaches_the_model_in_arctic_chat_format(replicate_standin):
    drive(replicate_backend(replicate_standin.base_url), 'Line one\nline two with <tags> & "quotes"')

    sent = replicate_standin.creates()[0].json()["input"]["prompt"]
    # Arctic Instruct's ChatML template, written out by hand (prompt_template "{prompt}" sends it as is).
    assert sent == (
        "<|im_start|>system\nYou are terse.<|im_end|>\n"
        '<|im_start|>user\nLine one\nline two with <tags> & "quotes"<|im_end|>\n'
        "<|im_start|>assistant\n"
    )


def test_standin_replicate_health_reports_reachable_and_refused(replicate_standin):
    ok = replicate_backend(replicate_standin.base_url).health()
    assert ok.ok and MODEL in ok.detail

    refused = replicate_backend(replicate_standin.base_url, token="r8_NotTheRightOne0123456789").health()
    assert not refused.ok
    assert refused.detail == "Replicate refused the credentials (HTTP 401)."


def test_replicate_unreachable_service_is_unavailable():
    port = free_port()  # a loopback port with nothing listening

    out = drive(replicate_backend(f"http://127.0.0.1:{port}"))

    assert isinstance(out.error, Unavailable)
    assert "Replicate" in out.error.user_message
    assert out.shown == ""
    assert_secret_absent(out.error, REPLICATE_TOKEN)
