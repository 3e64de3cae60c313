"""The agent loop with scripted model replies: repair, bounded attempts, verified queries, history."""

import pytest

from sql_agent.generation.agent import SqlAgent
from sql_agent.generation.grammar import sql_grammar
from sql_agent.generation.linking import estimate_tokens
from sql_agent.semantic.model import (
    SemanticModel,
    VerifiedQuery,
    closest_examples,
    match_verified,
    sample_semantic_model,
)


def scripted(*replies):
    """A model that answers with these replies in order, and records the prompts it was sent."""
    calls = []

    def generate(messages, **options):  # the options TextGenerator takes (sampled repairs pass some)
        calls.append(list(messages))
        return replies[len(calls) - 1]

    generate.calls = calls
    return generate


def test_a_wrong_column_is_repaired_with_the_error_sent_back(sample_source):
    model = scripted(
        "```sql\nSELECT segmnt, count(*) AS n FROM customers GROUP BY 1\n```",
        "Here you go:\n```sql\nSELECT segment, count(*) AS n FROM customers GROUP BY 1;\n```",
    )
    answer = SqlAgent(sample_source, model).ask("How many customers are in each segment?")
    assert answer.ok
    assert [a.outcome for a in answer.attempts] == ["invalid", "ok"]
    repair_prompt = model.calls[1][-1].content
    assert "segmnt" in repair_prompt and "Did you mean segment" in repair_prompt
    direct = sample_source.run("SELECT segment, count(*) FROM customers GROUP BY 1")
    assert sorted(answer.result.rows) == sorted(direct.rows)


def test_repairs_stop_after_the_limit_and_every_attempt_is_kept(sample_source):
    model = scripted("DROP TABLE orders", "no idea", "SELECT nothing FROM nowhere", "SELECT 1")
    answer = SqlAgent(sample_source, model, max_repairs=2).ask("Delete everything")
    assert not answer.ok
    assert [a.outcome for a in answer.attempts] == ["blocked", "no_sql", "invalid"]
    assert len(model.calls) == 3
    assert "nowhere" in answer.error


def test_a_database_error_is_sent_back_and_repaired(sample_source):
    model = scripted(
        "SELECT CAST(first_name AS INTEGER) FROM customers",
        "SELECT count(*) AS customers FROM customers",
    )
    answer = SqlAgent(sample_source, model).ask("How many customers are there?")
    assert [a.outcome for a in answer.attempts] == ["db_error", "ok"]
    assert "Conversion Error" in model.calls[1][-1].content
    assert answer.result.rows == sample_source.run("SELECT count(*) FROM customers").rows
    assert f"{answer.result.rows[0][0]:,}" in answer.summary


def test_suggested_questions_use_verified_sql_without_a_model(sample_source):
    semantic = sample_semantic_model()
    agent = SqlAgent(sample_source, None, semantic)
    for question in semantic.suggested_questions:
        answer = agent.ask(question)
        assert answer.ok, (question, answer.error)
        assert answer.verified
        assert answer.result.rows


def test_a_close_rewording_of_a_suggested_question_is_still_verified(sample_source):
    answer = SqlAgent(sample_source, None, sample_semantic_model()).ask(
        "what was total revenue by month in 2024"
    )
    assert answer.verified == "monthly_revenue_2024"
    assert len(answer.result.rows) == 12


def test_a_different_year_is_not_mistaken_for_the_verified_question(sample_source):
    model = scripted("SELECT 1 AS x")
    answer = SqlAgent(sample_source, model, sample_semantic_model()).ask(
        "What was the total revenue by month in 2023?"
    )
    assert answer.verified is None and len(model.calls) == 1
    # the verified queries appear as examples in the prompt
    assert "Examples of good queries" in model.calls[0][-1].content


@pytest.mark.parametrize(
    ("verified", "asked"),
    [
        (
            "List the model numbers of all products made by maker B.",
            "List the model numbers of all products not made by maker B.",
        ),
        (
            "Find the country with the worst single reading of air quality",
            "Find the country with the worst average air quality",
        ),
        (
            "Find the average amount spent by customers in each city",
            "Find the average amount spent by customers in each region",
        ),
        ("Which orders were returned?", "Which orders weren't returned?"),
    ],
)
def test_a_question_one_word_apart_is_not_answered_by_the_verified_query(verified, asked):
    model = SemanticModel("m", verified_queries=(VerifiedQuery("v", verified, "SELECT 1"),))
    assert match_verified(verified.upper(), model)[0] is not None  # the same words still match
    assert match_verified(asked, model)[0] is None
    assert closest_examples(asked, model) == list(model.verified_queries)  # it is still the example


def test_the_previous_question_and_sql_go_into_a_follow_up_prompt(sample_source):
    model = scripted("SELECT channel, count(*) AS n FROM orders WHERE status = 'Returned' GROUP BY 1")
    history = (
        "How many orders came through each channel?",
        "SELECT channel, count(*) FROM orders GROUP BY 1",
    )
    answer = SqlAgent(sample_source, model).ask("And only the returned ones?", history=history)
    assert answer.ok
    prompt = model.calls[0][-1].content
    assert history[0] in prompt and history[1] in prompt


def test_edited_sql_is_checked_and_run_like_generated_sql(sample_source):
    agent = SqlAgent(sample_source, None)
    blocked = agent.run_sql("DELETE FROM orders")
    assert not blocked.ok and blocked.attempts[0].outcome == "blocked"
    answer = agent.run_sql("SELECT status, count(*) AS n FROM orders GROUP BY ALL ORDER BY n DESC")
    assert answer.ok and answer.chart is not None and answer.summary


def test_the_prompt_fits_the_schema_budget_and_quotes_sample_values(sample_source):
    model = scripted("SELECT 1")
    agent = SqlAgent(sample_source, model, token_budget=400)
    answer = agent.ask("Which store types sell the most laptops?")
    assert answer.schema_slice.tokens <= 400 and not answer.schema_slice.whole_schema
    assert "stores" in answer.schema_slice.tables
    assert "'Flagship'" in model.calls[0][-1].content or "Flagship" in answer.schema_slice.text


def test_long_examples_leave_less_room_for_the_schema(sample_source):
    # a repair prompt repeats the schema and the examples: together they must stay within the budget
    long_sql = (
        "SELECT s.store_type, count(*) AS n FROM stores s " + "WHERE s.store_id > 0 " * 5 + "GROUP BY 1"
    )
    examples = tuple(VerifiedQuery(f"v{i}", f"How many stores of type {i}?", long_sql) for i in range(5))
    question = "Which store types sell the most laptops?"
    bare = SqlAgent(sample_source, scripted("SELECT 1"), token_budget=900).ask(question)
    model = scripted("SELECT 1")
    shown = SqlAgent(sample_source, model, SemanticModel("m", verified_queries=examples), token_budget=900)
    answer = shown.ask(question)
    prompt = model.calls[0][-1].content
    assert long_sql in prompt  # the examples are shown
    assert answer.schema_slice.tokens < bare.schema_slice.tokens
    assert estimate_tokens(prompt) <= 900 + estimate_tokens(question) + 50


@pytest.mark.slow
def test_repair_loop_with_the_embedded_model(sample_source):
    backends = pytest.importorskip("backends")
    pytest.importorskip("llama_cpp")
    from backends.text_generator import TextGenerator

    try:
        backend = backends.create_backend("local", backends.load_settings())
    except backends.BackendError as err:
        pytest.skip(err.user_message)
    agent = SqlAgent(sample_source, TextGenerator(backend, backends.ChatParams(max_tokens=96, temperature=0)))
    agent.max_repairs = 1
    answer = agent.ask("How many customers are there?")
    # a 135M model may or may not get it right; the loop must stay bounded and explain each attempt
    assert 1 <= len(answer.attempts) <= 2
    for attempt in answer.attempts:
        assert attempt.reply
        assert attempt.outcome == "ok" or attempt.message


def test_candidates_are_chosen_by_agreement_of_their_results(sample_source):
    calls = []
    replies = [
        "SELECT count(*) FROM orders",  # greedy: wrong table
        "SELECT count(*) AS n FROM customers",
        "SELECT count(customer_id) FROM customers",  # agrees with the second: selection stops here
        "SELECT 1",
    ]

    def model(messages, **options):
        calls.append(options)
        return replies[len(calls) - 1]

    answer = SqlAgent(sample_source, model, candidates=4).ask("How many customers are there?")
    assert len(calls) == 3
    assert calls[0] == {} and calls[1]["temperature"] > 0 and calls[1]["seed"] != calls[2]["seed"]
    assert answer.ok and len(answer.attempts) == 1
    assert answer.result.rows == sample_source.run("SELECT count(*) FROM customers").rows


def test_without_agreement_the_greedy_reply_stands_and_failures_are_repaired(sample_source):
    replies = iter(["SELECT segmnt FROM customers", "SELECT nothing", "SELECT segment FROM customers"])
    answer = SqlAgent(sample_source, lambda m, **o: next(replies), candidates=2).ask("Segments?")
    assert [a.outcome for a in answer.attempts] == ["invalid", "ok"]


def test_a_constrained_agent_sends_a_grammar_of_the_linked_tables(sample_source):
    sent = []

    def model(messages, **options):
        sent.append(options.get("grammar"))
        return "SELECT count(*) FROM customers"

    answer = SqlAgent(sample_source, model, constrain=True, token_budget=400).ask("How many customers?")
    linked = answer.schema_slice.tables
    assert answer.ok and "customers" in linked
    assert set(sample_source.schema.table_names) - set(linked), "the slice should leave some tables out"
    # what the grammar lets through is judged by llama.cpp in test_grammar.py
    assert sent[0] == sql_grammar([sample_source.schema.table(t) for t in linked])


def test_the_prompt_carries_dialect_notes_and_semantic_descriptions(sample_source):
    from sql_agent.semantic.model import SemanticColumn, SemanticModel

    semantic = SemanticModel("m", columns=(SemanticColumn("customers", "city", "Where the customer lives"),))
    model = scripted("SELECT city FROM customers")
    SqlAgent(sample_source, model, semantic, use_verified=False).ask("Which cities do customers live in?")
    system, user = model.calls[0][0].content, model.calls[0][1].content
    assert "DuckDB notes" in system and "date_trunc" in system
    assert "Where the customer lives" in user


@pytest.mark.slow
def test_a_sql_question_waiting_for_the_embedded_model_hears_its_place(sample_source):
    import threading

    from backends import ChatParams, Message, create_backend, load_settings
    from backends.text_generator import TextGenerator
    from tests.conftest import TINY_MODEL

    tiny = create_backend("local", load_settings(TINY_MODEL))
    story = [Message("user", "Tell a long story about a lighthouse keeper and a storm.")]
    running = iter(tiny.chat(story, ChatParams(temperature=0.0, max_tokens=160)))
    next(running)  # another visitor's answer is being written
    places = []
    generate = TextGenerator(tiny, ChatParams(temperature=0.0, max_tokens=48), on_queue=places.append)
    agent = SqlAgent(sample_source, generate, max_repairs=0)
    answers = []
    asking = threading.Thread(target=lambda: answers.append(agent.ask("How many customers are there?")))
    asking.start()
    rest = "".join(running)  # the other answer runs to its end meanwhile
    asking.join(timeout=120)
    assert rest and answers and answers[0].attempts[0].reply, "both were served"
    assert places[0] == 1 and places[-1] is None, places  # one ahead, then its own turn
