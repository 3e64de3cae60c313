"""The embedded model serves one generation at a time: waiting visitors learn their place, are served in
arrival order, and can leave the line with Stop before their answer ever starts."""

from __future__ import annotations

import threading

import pytest

from backends import ChatParams, Message, create_backend, load_settings
from backends.generation_line import GenerationLine
from tests.conftest import TINY_MODEL

LONG = ChatParams(temperature=0.0, top_p=1.0, max_tokens=160)
SHORT = ChatParams(temperature=0.0, top_p=1.0, max_tokens=8)
STORY = [Message("user", "Tell a long story about a lighthouse keeper and a storm.")]


def test_the_line_serves_in_arrival_order_and_a_cancelled_wait_leaves_it():
    line = GenerationLine()
    first, second, third = line.join(), line.join(), line.join()
    never = threading.Event()
    assert next(line.wait_turn(second, never)) == 1 and next(line.wait_turn(third, never)) == 2
    assert list(line.wait_turn(first, never)) == []  # first in line: its turn at once
    gave_up = threading.Event()
    gave_up.set()
    assert list(line.wait_turn(third, gave_up)) == []
    line.leave(third)
    line.leave(first)
    assert list(line.wait_turn(second, never)) == [] and len(line) == 1


@pytest.fixture(scope="module")
def tiny():
    return create_backend("local", load_settings(TINY_MODEL))


def test_a_waiting_request_hears_its_place_and_is_served_after_the_one_before(tiny):
    running = tiny.chat(STORY, LONG)
    chunks = iter(running)
    next(chunks)  # the first answer is generating
    waiting = tiny.chat(STORY, SHORT)
    places = []
    waiting.on_queue = places.append
    consumer = threading.Thread(target=lambda: list(waiting))
    consumer.start()
    rest = "".join(chunks)  # the first answer runs to its end meanwhile
    consumer.join(timeout=120)
    assert rest and waiting.text, "both answers are complete"
    assert places[0] == 1 and places[-1] is None, places  # one ahead, then its own answer started
    assert waiting.usage.first_token_s > 0


def test_stop_while_queued_leaves_the_line_without_generating(tiny):
    line = tiny._line
    running = tiny.chat(STORY, LONG)
    chunks = iter(running)
    next(chunks)
    queued = tiny.chat(STORY, SHORT)
    heard = threading.Event()
    queued.on_queue = lambda ahead: heard.set() if ahead else None
    consumer = threading.Thread(target=lambda: list(queued))
    consumer.start()
    assert heard.wait(timeout=60), "the second request reports its place"
    assert len(line) == 2
    queued.cancel()
    consumer.join(timeout=30)
    assert not consumer.is_alive() and queued.stopped and queued.text == ""
    running.cancel()
    chunks.close()
    after = "".join(tiny.chat(STORY, SHORT))  # the next visitor is served at once
    assert after and len(line) == 0
