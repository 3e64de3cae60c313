"""The OpenAI-compatible provider against a real llama.cpp server on loopback."""

from __future__ import annotations

import pytest

from backends import ChatParams, Message, Unavailable, create_backend, default_backend_name, load_settings

QUESTION = [Message("user", "Say hello.")]


@pytest.fixture()
def server_backend(llama_server):
    return create_backend("openai_compatible", load_settings({"FLOE_OPENAI_BASE_URL": llama_server}))


def test_a_configured_server_becomes_the_default(llama_server):
    assert default_backend_name(load_settings({"FLOE_OPENAI_BASE_URL": llama_server})) == "openai_compatible"


def test_lists_models_and_reports_health(server_backend):
    health = server_backend.health()
    assert health.ok and "smollm2-135m" in health.models


def test_streams_an_answer_with_usage(server_backend):
    stream = server_backend.chat(QUESTION, ChatParams(temperature=0, max_tokens=20))
    deltas = list(stream)
    assert len(deltas) > 1 and stream.text.strip()
    assert stream.usage.model and stream.usage.completion_tokens >= 1
    assert stream.usage.first_token_s is not None


def test_stop_ends_the_stream_early(server_backend):
    stream = server_backend.chat(
        [Message("user", "Count from 1 to 200.")], ChatParams(temperature=0, max_tokens=300)
    )
    for i, _ in enumerate(stream):
        if i == 3:
            stream.cancel()
    assert stream.stopped and len(stream.text) > 0
    assert stream.usage.completion_tokens < 60


def test_a_server_that_is_down_gives_a_clear_message():
    from tests.conftest import free_port

    backend = create_backend(
        "openai_compatible",
        load_settings(
            {
                "FLOE_OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
                "FLOE_OPENAI_MODEL": "m",
                "FLOE_MAX_ATTEMPTS": "2",
            }
        ),
    )
    with pytest.raises(Unavailable) as info:
        list(backend.chat(QUESTION, ChatParams(max_tokens=5)))
    assert "OpenAI-compatible server" in info.value.user_message
    assert not backend.health().ok
