"""A chat turn keeps every part of the answer in the store: complete, stopped or failed."""

from __future__ import annotations

import pytest

from backends import ChatParams, create_backend, load_settings
from conversations import ChatTurn, ConversationStore
from tests.conftest import TINY_MODEL, free_port

PARAMS = ChatParams(temperature=0, max_tokens=48)


@pytest.fixture()
def store(tmp_path):
    return ConversationStore(tmp_path / "c.sqlite")


@pytest.fixture(scope="module")
def local():
    return create_backend("local", load_settings(TINY_MODEL))


def ask(store, text):
    cid = store.create("local")
    store.append("local", cid, "user", text)
    return cid


def test_a_complete_answer_is_saved_with_its_usage(store, local):
    cid = ask(store, "Say hello.")
    turn = ChatTurn(store, "local", cid, local, "local", PARAMS, "Be brief.")
    text = "".join(turn.stream())
    saved = store.messages("local", cid)[-1]
    assert (saved.role, saved.content, saved.status) == ("assistant", text, "complete")
    assert saved.meta["backend"] == "local" and saved.meta["completion_tokens"] >= 1
    assert saved.meta["tokens_exact"] is True and saved.meta["first_token_s"] > 0


def test_stopping_keeps_the_partial_answer_marked_stopped(store, local):
    cid = ask(store, "Count from 1 to 100.")
    turn = ChatTurn(store, "local", cid, local, "local", ChatParams(temperature=0, max_tokens=200))
    deltas = turn.stream()
    partial = "".join(next(deltas) for _ in range(3))
    assert not turn.settled.is_set()
    deltas.close()  # what Streamlit does to the generator when Stop interrupts the page
    assert turn.settled.is_set()  # the page's next run waits for this before it shows the answer
    saved = store.messages("local", cid)[-1]
    assert saved.status == "stopped" and saved.content == partial != ""
    assert saved.meta["completion_tokens"] <= 5


def test_a_failed_backend_keeps_history_and_records_the_message(store):
    cid = ask(store, "hello?")
    dead = create_backend(
        "openai_compatible",
        load_settings(
            {
                "FLOE_OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
                "FLOE_OPENAI_MODEL": "m",
                "FLOE_MAX_ATTEMPTS": "1",
            }
        ),
    )
    turn = ChatTurn(store, "local", cid, dead, "openai_compatible", PARAMS)
    assert "".join(turn.stream()) == ""
    user, failed = store.messages("local", cid)
    assert user.content == "hello?"
    assert failed.status == "error" and "OpenAI-compatible server" in failed.meta["error"]
    # a failed answer is not sent back to the model on the next turn
    from conversations.turn import prompt_history

    assert [m.role for m in prompt_history(store.messages("local", cid))] == ["user"]
