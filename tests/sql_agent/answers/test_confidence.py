"""How sure Floe is: the signals it has (first try, repairs, an empty result, literals not in the data,
sampled readings that agree) mark an answer confident or unsure, and an unsure answer carries the
other readings' results to choose from."""

from __future__ import annotations

from sql_agent.analyses.store import answer_from_record, answer_to_record
from sql_agent.answers.confidence import Signals, confidence
from sql_agent.generation.agent import SqlAgent

SEGMENTS = "SELECT segment, count(*) AS n FROM customers GROUP BY segment"
CITIES = "SELECT city, count(*) AS n FROM customers GROUP BY city"


def replies(*texts):
    calls = []

    def generate(messages, **options):
        calls.append(options)
        return texts[len(calls) - 1]

    generate.calls = calls
    return generate


def test_the_first_query_ran_found_rows_and_the_other_readings_agree(sample_source):
    model = replies(SEGMENTS, SEGMENTS.lower(), SEGMENTS + " ORDER BY n")
    answer = SqlAgent(sample_source, model, second_readings=2).ask("Customers per segment?")
    assert answer.confidence == "confident" and answer.agreement == (2, 2) and answer.alternatives == []
    assert [c.get("seed") for c in model.calls] == [None, 100, 101], "the readings are sampled"


def test_readings_that_find_other_rows_make_it_unsure_and_become_alternatives(sample_source):
    model = replies(SEGMENTS, CITIES, "SELECT nothing FROM nowhere")
    answer = SqlAgent(sample_source, model, second_readings=2).ask("Customers per segment?")
    assert answer.confidence == "unsure"
    assert answer.confidence_why == "2 of 2 other readings of the question did not find the same rows"
    [other] = answer.alternatives
    assert other.reading == "For each city: the number of rows (as n); from customers."
    assert sorted(other.result.rows) == sorted(sample_source.run(CITIES).rows)
    kept = answer_from_record(answer_to_record(answer, "sample"))
    assert kept.confidence == "unsure" and kept.alternatives[0].reading == other.reading
    assert kept.alternatives[0].result.rows == other.result.rows[: len(kept.alternatives[0].result.rows)]


def test_a_repaired_or_empty_answer_is_unsure_and_a_verified_one_confident():
    plain = Signals(verified=False, ran=True, repairs=0, empty=False, ungrounded=0)
    assert confidence(plain)[0] == "confident"
    assert confidence(Signals(False, True, 1, False, 0)) == (
        "unsure",
        "the first query failed and was repaired once",
    )
    assert confidence(Signals(False, True, 0, True, 1))[1] == (
        "the result is empty; a value it compares with is not in the data"
    )
    assert confidence(Signals(True, True, 0, True, 0))[0] == "confident"


def test_readings_that_find_the_same_other_rows_are_counted_once_as_one_alternative(sample_source):
    model = replies(SEGMENTS, CITIES, CITIES + " ORDER BY n")
    answer = SqlAgent(sample_source, model, second_readings=2).ask("Customers per segment?")
    [other] = answer.alternatives
    assert other.readings == 2 and answer.agreement == (0, 2)


FAILING = ("SELECT nothing FROM nowhere", "SELECT nada FROM nowhere", "SELECT nichts FROM nowhere")


def test_when_no_query_of_the_first_reading_runs_the_rows_most_readings_found_are_the_answer(
    sample_source,
):
    model = replies(*FAILING, "SELECT segment FROM nowhere", CITIES)
    answer = SqlAgent(sample_source, model, second_readings=2).ask("Customers per city?")
    assert answer.ok and sorted(answer.result.rows) == sorted(sample_source.run(CITIES).rows)
    assert answer.reading == "For each city: the number of rows (as n); from customers."
    assert answer.confidence == "unsure" and "another reading" in answer.confidence_why
    assert answer.alternatives == [] and answer.attempts[-1].outcome == "ok"
    assert answer.attempts[-1].message.startswith("another reading of the question")


def test_when_no_reading_runs_either_the_question_stays_unanswered_with_its_error(sample_source):
    model = replies(*FAILING, "SELECT segment FROM nowhere", "SELECT city FROM nowhere")
    answer = SqlAgent(sample_source, model, second_readings=2).ask("Customers per city?")
    assert not answer.ok and "nowhere" in answer.error and answer.confidence == ""
