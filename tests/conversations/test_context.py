"""Long conversations fit the model's window: oldest turns go first, the system prompt never does."""

from __future__ import annotations

import pytest

from backends import Message, create_backend, load_settings
from backends.streaming import estimate_message_tokens as estimated
from conversations import fit_to_window
from tests.conftest import TINY_MODEL


def history(turns: int, words: int = 60) -> list[Message]:
    out = []
    for i in range(turns):
        out.append(Message("user", f"question {i} " + "word " * words))
        out.append(Message("assistant", f"answer {i} " + "word " * words))
    out.append(Message("user", "latest question"))
    return out


def test_short_history_goes_in_whole():
    fitted = fit_to_window("sys", history(2), estimated, 4096, 512)
    assert fitted.dropped == 0 and fitted.notice is None and len(fitted.messages) == 6


def test_drops_oldest_turns_keeps_system_and_latest_and_says_so():
    fitted = fit_to_window("Be brief.", history(40), estimated, 2048, 512)
    assert fitted.messages[0] == Message("system", "Be brief.")
    assert fitted.messages[-1] == Message("user", "latest question")
    assert fitted.messages[1].role == "user", "the kept history starts with a whole turn"
    assert fitted.dropped > 0 and "older message" in fitted.notice
    assert fitted.prompt_tokens <= 2048 - 512


def test_a_huge_single_message_is_shortened_not_refused():
    fitted = fit_to_window("sys", [Message("user", "x " * 20000)], estimated, 1024, 256)
    assert fitted.truncated_last and fitted.prompt_tokens <= 1024 - 256
    assert "shortened" in fitted.notice


@pytest.mark.slow
def test_uses_the_models_tokenizer_when_the_backend_has_one():
    local = create_backend("local", load_settings(TINY_MODEL))
    fitted = fit_to_window("sys", history(30), local.count_tokens, 1024, 256)
    assert fitted.exact and fitted.prompt_tokens == local.count_tokens(fitted.messages)[0] <= 768
