"""How sure Floe is, with the default 1.5B model in the app's configuration (value index, two sampled
readings): every answer carries a mark and a reason that match its signals, an unsure answer's
alternatives are other rows with their own reading, and a plain question all readings agree on is
confident."""

from __future__ import annotations

import pytest

from backends.text_generator import TextGenerator
from sql_agent.generation.agent import SqlAgent
from sql_agent.generation.candidates import result_key
from sql_agent.grounding import build_value_index

pytestmark = pytest.mark.slow

PLAIN = "How many stores are there of each store type?"
QUESTIONS = [
    PLAIN,
    "Which city has the most customers?",
    "What were the best selling products in 2023?",  # "best": by units or by revenue
]


@pytest.fixture(scope="module")
def answers(qwen_backend, sample_source):
    agent = SqlAgent(
        sample_source,
        TextGenerator(qwen_backend),
        use_verified=False,
        values=build_value_index(sample_source),
        second_readings=2,
    )
    return {q: agent.ask(q) for q in QUESTIONS}


@pytest.mark.parametrize("question", QUESTIONS)
def test_each_answer_has_a_mark_that_matches_its_signals(answers, question):
    answer = answers[question]
    assert answer.ok, answer.error
    assert answer.confidence in ("confident", "unsure") and answer.confidence_why
    agreeing, sampled = answer.agreement
    assert sampled == 2
    if answer.confidence == "confident":
        assert agreeing == 2 and len(answer.attempts) == 1 and answer.result.rows
        assert not answer.alternatives
    own = result_key(answer.result)
    for other in answer.alternatives:
        assert result_key(other.result) != own and other.reading and other.readings >= 1
    assert agreeing + sum(a.readings for a in answer.alternatives) <= sampled


def test_a_plain_question_the_readings_agree_on_is_confident(answers):
    answer = answers[PLAIN]
    assert answer.confidence == "confident", (answer.confidence_why, answer.sql, answer.agreement)
