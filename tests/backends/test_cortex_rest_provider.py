"""Cortex REST provider (FLOE_CORTEX_MODE=rest): Floe's real httpx/httpx-sse code against a
STAND-IN of Snowflake's `POST /api/v2/cortex/inference:complete` on loopback
(tests/backends/standins/cortex_rest.py), since this machine cannot reach Snowflake. No Floe
function is mocked; faults are injected by the stand-in at the HTTP and socket level.

Checked as a user would notice it: the answer text (once, even after a retry), the message of a
failure, the partial answer kept, token counts, and that no secret reaches an error message.
"""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from backends import (
    AuthError,
    BackendTimeout,
    BadResponse,
    RateLimited,
    Unavailable,
    create_backend,
    load_settings,
)
from tests.backends.standins import CortexRestStandIn, Reply
from tests.backends.standins.base import DEFAULT_TOKENS, MALFORMED, RESET, STALL
from tests.backends.standins.cortex_rest import public_key_fingerprint
from tests.backends.standins.drive import assert_secret_absent, drive
from tests.backends.standins.fake_secrets import CORTEX_PAT
from tests.conftest import free_port

pytestmark = pytest.mark.timeout(60)

ANSWER = "".join(DEFAULT_TOKENS)
ACCOUNT = "xy12345.us-east-1"  # an account locator with region, as users paste it
USER = "floe_user"


def cortex_backend(base_url: str, **overrides):
    cfg = {
        "FLOE_CORTEX_MODE": "rest",
        "SNOWFLAKE_ACCOUNT": ACCOUNT,
        "SNOWFLAKE_PAT": CORTEX_PAT,
        "FLOE_CORTEX_BASE_URL": base_url,
        "FLOE_CORTEX_MODEL": "mistral-large2",
        "FLOE_FIRST_TOKEN_TIMEOUT": "5",
        "FLOE_IDLE_TIMEOUT": "5",
        "FLOE_CONNECT_TIMEOUT": "2",
        **overrides,
    }
    return create_backend("cortex", load_settings({k: v for k, v in cfg.items() if v is not None}))


def rsa_key_file(tmp_path, name: str):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / name
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return key, path


def test_standin_cortex_streams_the_answer_with_pat_auth_and_reports_exact_usage(cortex_standin):
    out = drive(cortex_backend(cortex_standin.base_url), "What is Cortex?", max_tokens=99)

    assert out.error is None
    assert out.deltas == list(DEFAULT_TOKENS)
    assert out.shown == out.stream.text == ANSWER
    (req,) = cortex_standin.completes()
    assert req.headers["authorization"] == f"Bearer {CORTEX_PAT}"
    assert req.headers["x-snowflake-authorization-token-type"] == "PROGRAMMATIC_ACCESS_TOKEN"
    assert req.headers["accept"] == "text/event-stream"
    body = req.json()
    assert body["model"] == "mistral-large2"
    assert body["stream"] is True
    assert body["max_tokens"] == 99
    assert body["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "What is Cortex?"},
    ]
    # The counts under the answer are the service's, marked exact.
    usage = out.stream.usage
    assert usage.prompt_tokens == CortexRestStandIn.PROMPT_TOKENS
    assert usage.completion_tokens == len(DEFAULT_TOKENS)
    assert usage.exact is True
    assert usage.model == "mistral-large2"


def test_standin_cortex_keypair_jwt_carries_the_documented_claims(tmp_path):
    key, key_file = rsa_key_file(tmp_path, "rsa_key.p8")
    server = CortexRestStandIn(account=ACCOUNT, user=USER, public_key=key.public_key()).start()
    try:
        backend = cortex_backend(
            server.base_url, SNOWFLAKE_PAT=None, SNOWFLAKE_USER=USER, SNOWFLAKE_PRIVATE_KEY_FILE=str(key_file)
        )
        out = drive(backend)
    finally:
        server.stop()

    assert out.error is None
    assert out.shown == ANSWER
    (req,) = server.completes()
    assert req.headers["x-snowflake-authorization-token-type"] == "KEYPAIR_JWT"
    (claims,) = server.jwt_claims  # the stand-in verified the RS256 signature with the public key
    fingerprint = public_key_fingerprint(key.public_key())
    assert claims["iss"] == f"XY12345.FLOE_USER.{fingerprint}"
    assert claims["sub"] == "XY12345.FLOE_USER"
    assert 0 < claims["exp"] - time.time() <= 3600


def test_standin_cortex_keypair_with_an_unregistered_key_is_an_auth_error(tmp_path):
    registered, _ = rsa_key_file(tmp_path, "registered.p8")
    _, other_file = rsa_key_file(tmp_path, "other.p8")
    server = CortexRestStandIn(account=ACCOUNT, user=USER, public_key=registered.public_key()).start()
    try:
        backend = cortex_backend(
            server.base_url,
            SNOWFLAKE_PAT=None,
            SNOWFLAKE_USER=USER,
            SNOWFLAKE_PRIVATE_KEY_FILE=str(other_file),
        )
        out = drive(backend)
    finally:
        server.stop()

    assert isinstance(out.error, AuthError)
    assert out.error.user_message == "Snowflake Cortex refused the credentials (HTTP 401)."
    assert len(server.completes()) == 1
    jwt_sent = server.completes()[0].headers["authorization"].removeprefix("Bearer ")
    assert_secret_absent(out.error, jwt_sent)


def test_standin_cortex_429_with_retry_after_then_success_waits_and_shows_text_once(cortex_standin):
    cortex_standin.script(Reply(status=429, headers={"Retry-After": "1"}))

    out = drive(cortex_backend(cortex_standin.base_url))

    assert out.error is None
    assert out.shown == out.stream.text == ANSWER
    first, second = cortex_standin.completes()
    assert second.at - first.at >= 0.95  # Retry-After honoured (Floe's own backoff starts at 0.5 s)


def test_standin_cortex_429_always_is_rate_limited(cortex_standin):
    cortex_standin.script(then=Reply(status=429, headers={"Retry-After": "0"}))

    out = drive(cortex_backend(cortex_standin.base_url))

    assert isinstance(out.error, RateLimited)
    assert out.error.user_message == "Snowflake Cortex is rate limiting requests (HTTP 429)."
    assert len(cortex_standin.completes()) == 3
    assert_secret_absent(out.error, CORTEX_PAT)


def test_standin_cortex_500_then_success_retries_without_duplicating(cortex_standin):
    cortex_standin.script(Reply(status=500))

    out = drive(cortex_backend(cortex_standin.base_url))

    assert out.error is None
    assert out.shown == out.stream.text == ANSWER
    assert len(cortex_standin.completes()) == 2


def test_standin_cortex_500_always_gives_up_with_unavailable(cortex_standin):
    cortex_standin.script(then=Reply(status=500))

    out = drive(cortex_backend(cortex_standin.base_url, FLOE_MAX_ATTEMPTS="3"))

    assert isinstance(out.error, Unavailable)
    assert out.error.user_message == "Snowflake Cortex failed to answer (HTTP 500)."
    assert out.shown == out.stream.text == ""
    assert len(cortex_standin.completes()) == 3
    assert_secret_absent(out.error, CORTEX_PAT)


def test_standin_cortex_401_is_an_auth_error_not_retried(cortex_standin):
    wrong = "standin-pat-WRONG-abcdef0123456789"
    out = drive(cortex_backend(cortex_standin.base_url, SNOWFLAKE_PAT=wrong))

    assert isinstance(out.error, AuthError)
    assert out.error.user_message == "Snowflake Cortex refused the credentials (HTTP 401)."
    assert len(cortex_standin.completes()) == 1
    assert_secret_absent(out.error, wrong, CORTEX_PAT)


def test_standin_cortex_connection_reset_mid_stream_keeps_the_partial_answer(cortex_standin):
    cortex_standin.script(Reply(tokens=DEFAULT_TOKENS[:4], end=RESET))

    out = drive(cortex_backend(cortex_standin.base_url))

    assert isinstance(out.error, Unavailable)
    assert out.error.user_message == "Lost the connection to Snowflake Cortex while streaming the answer."
    assert out.shown == out.stream.text == "".join(DEFAULT_TOKENS[:4])
    assert len(cortex_standin.completes()) == 1  # text was shown: a retry would duplicate it
    assert_secret_absent(out.error, CORTEX_PAT)


def test_standin_cortex_reset_before_the_first_token_retries_and_shows_text_once(cortex_standin):
    cortex_standin.script(Reply(tokens=(), end=RESET))

    out = drive(cortex_backend(cortex_standin.base_url))

    assert out.error is None
    assert out.shown == out.stream.text == ANSWER
    assert len(cortex_standin.completes()) == 2


def test_standin_cortex_malformed_event_is_a_bad_response_keeping_the_partial_answer(cortex_standin):
    cortex_standin.script(Reply(tokens=DEFAULT_TOKENS[:3], end=MALFORMED))

    out = drive(cortex_backend(cortex_standin.base_url))

    assert isinstance(out.error, BadResponse)
    assert out.error.user_message == "Snowflake Cortex sent a stream event that is not JSON."
    assert out.shown == out.stream.text == "".join(DEFAULT_TOKENS[:3])
    assert len(cortex_standin.completes()) == 1
    assert_secret_absent(out.error, CORTEX_PAT)


def test_standin_cortex_stall_before_the_first_token_times_out(cortex_standin):
    cortex_standin.script(Reply(tokens=(), end=STALL))
    backend = cortex_backend(cortex_standin.base_url, FLOE_FIRST_TOKEN_TIMEOUT="1", FLOE_IDLE_TIMEOUT="0.5")

    out = drive(backend)

    assert isinstance(out.error, BackendTimeout)
    assert out.error.user_message == "No reply after waiting 1 s for the first token."
    assert out.shown == out.stream.text == ""
    assert len(cortex_standin.completes()) == 1


def test_standin_cortex_stall_between_tokens_times_out_keeping_the_partial_answer(cortex_standin):
    cortex_standin.script(Reply(tokens=DEFAULT_TOKENS[:3], end=STALL))
    backend = cortex_backend(cortex_standin.base_url, FLOE_FIRST_TOKEN_TIMEOUT="2", FLOE_IDLE_TIMEOUT="1")

    out = drive(backend)

    assert isinstance(out.error, BackendTimeout)
    assert out.error.user_message == "No reply after waiting 1 s between tokens."
    assert out.shown == out.stream.text == "".join(DEFAULT_TOKENS[:3])


def test_standin_cortex_first_token_slower_than_idle_timeout_still_arrives(cortex_standin):
    # The first-token timeout (3 s) governs the wait for the first token, not the idle one (0.5 s).
    cortex_standin.script(Reply(first_delay_s=1.2))
    backend = cortex_backend(cortex_standin.base_url, FLOE_FIRST_TOKEN_TIMEOUT="3", FLOE_IDLE_TIMEOUT="0.5")

    out = drive(backend)

    assert out.error is None
    assert out.shown == out.stream.text == ANSWER
    assert len(cortex_standin.completes()) == 1


def test_standin_cortex_stop_keeps_the_partial_answer_and_closes_the_stream(cortex_standin):
    tokens = tuple(f" t{i}" for i in range(60))
    cortex_standin.script(Reply(tokens=tokens, delay_s=0.03))

    out = drive(cortex_backend(cortex_standin.base_url), stop_after=3)

    assert out.error is None
    assert out.stream.stopped
    assert out.shown == out.stream.text == "".join(tokens[:3])
    # Cortex REST has no cancel call: Stop closes the connection, and the server sees it go away.
    assert cortex_standin.wait_for(lambda: cortex_standin.streams[0].client_went_away)
    assert cortex_standin.streams[0].tokens_sent < len(tokens)


def test_cortex_unreachable_service_is_unavailable():
    port = free_port()  # a loopback port with nothing listening

    out = drive(cortex_backend(f"http://127.0.0.1:{port}"))

    assert isinstance(out.error, Unavailable)
    assert "Snowflake Cortex" in out.error.user_message
    assert out.shown == ""
    assert_secret_absent(out.error, CORTEX_PAT)
