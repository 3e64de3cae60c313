"""The one path from the SQL agent to a backend (backends.text_generator.TextGenerator), which the
page, the CLI and the evaluation harness share: every option the agent passes reaches the backend or
is left out with a note, and a repair the model sends back twice still ends in an answer."""

from __future__ import annotations

import threading
import time

import pytest

from backends import ChatParams, ChatStream, Message, StreamPolicy
from backends.text_generator import TextGenerator
from backends.types import BASIC_OPTIONS, Capabilities, Health
from sql_agent.execution.sandbox import SandboxLimits
from sql_agent.execution.sources import DuckDBSource
from sql_agent.execution.uploads import load_uploads
from sql_agent.generation.agent import SAMPLING, SqlAgent
from tests.backends.standins import ReplicateStandIn, Reply
from tests.backends.standins.fake_secrets import REPLICATE_TOKEN

# Eight orders: Germany leads on units × unit_price, but not on units or on the number of orders.
ORDERS_CSV = b"""order_id,country,product,units,unit_price,order_date
1,France,Desk,10,20.0,2024-01-05
2,France,Chair,12,15.0,2024-01-09
3,Germany,Desk,2,400.0,2024-02-01
4,Germany,Lamp,1,150.0,2024-02-11
5,Spain,Chair,20,10.0,2024-03-03
6,Spain,Lamp,15,12.0,2024-03-15
7,France,Lamp,8,9.5,2024-04-02
8,Italy,Desk,3,100.0,2024-04-20
"""
QUESTION = "Which country has the highest total revenue?"
FAILING = "SELECT country, SUM(revenue) AS revenue FROM orders GROUP BY country ORDER BY revenue DESC LIMIT 1"
RIGHT = (
    "SELECT country, SUM(units * unit_price) AS revenue FROM orders "
    "GROUP BY country ORDER BY revenue DESC LIMIT 1"
)
# The first try fails; the repair sends it back (greedy), the sampled retry sends it back again,
# and the question asked again with the error as a hint is answered.
REPLIES = (FAILING, f"```sql\n{FAILING}\n```", FAILING, f"```sql\n{RIGHT}\n```")


class ScriptedBackend:
    """A Backend in this process that streams scripted replies and records the parameters of each
    call; it honours the options it is told to, like a real provider's Capabilities."""

    name = "scripted"

    def __init__(self, replies, options=BASIC_OPTIONS | {"grammar", "seed", "min_p"}):
        self.replies, self.options, self.calls = list(replies), options, []

    def info(self) -> Capabilities:
        return Capabilities(4096, True, False, False, options=self.options)

    def health(self) -> Health:
        return Health(True, "scripted")

    def count_tokens(self, messages):
        return sum(len(m.content) for m in messages) // 4, False

    def embed(self, texts):
        raise NotImplementedError

    def chat(self, messages, params: ChatParams) -> ChatStream:
        self.calls.append(params)
        reply = self.replies[len(self.calls) - 1]

        def events(cancel: threading.Event):
            yield reply

        return ChatStream(events, StreamPolicy(), prompt_tokens=self.count_tokens(messages))


@pytest.fixture
def orders_source(data_dir):
    source = DuckDBSource(load_uploads([("orders.csv", ORDERS_CSV)]), SandboxLimits(timeout_s=30))
    yield source
    source.close()


def test_a_repair_sent_back_twice_is_sampled_then_hinted_and_answered(orders_source):
    backend = ScriptedBackend(REPLIES)
    # the parameters the Ask your data page gives its generator (app.ui.backend_session.model_generator)
    generate = TextGenerator(backend, ChatParams(None, temperature=0.0, max_tokens=320))
    answer = SqlAgent(orders_source, generate).ask(QUESTION)

    assert answer.ok, answer.error
    assert answer.result.rows[0][0] == "Germany"
    assert "Germany" in answer.summary
    assert [a.outcome for a in answer.attempts] == ["db_error", "ok"]
    sent = [(p.temperature, p.min_p, p.seed, p.max_tokens) for p in backend.calls]
    assert sent == [
        (0.0, None, None, 320),  # the first try
        (0.0, None, None, 320),  # the repair, which repeats the failed query
        (SAMPLING["temperature"], SAMPLING["min_p"], 2, 320),  # sampled: repeats it again
        (0.0, None, None, 320),  # the question again, the error as a hint
    ]
    assert answer.trace == [], "a backend that takes every option leaves nothing out"


def test_a_backend_that_cannot_take_seed_or_min_p_gets_the_call_without_them_and_says_so(orders_source):
    backend = ScriptedBackend(REPLIES, options=BASIC_OPTIONS)
    answer = SqlAgent(orders_source, TextGenerator(backend)).ask(QUESTION)
    assert answer.ok and answer.result.rows[0][0] == "Germany"
    assert backend.calls[2].temperature == SAMPLING["temperature"]
    assert backend.calls[2].seed is None and backend.calls[2].min_p is None
    assert answer.trace == ["scripted does not take min_p, seed; the reply was asked for without them."]


def test_an_option_floe_does_not_know_is_left_out_with_a_note_not_an_exception():
    backend = ScriptedBackend(["SELECT 1"])
    generate = TextGenerator(backend)
    assert generate([], temperature=0.5, stop=["\n"]) == "SELECT 1"
    assert backend.calls[0].temperature == 0.5
    assert generate.take_trace() == ["Left out options Floe does not know: stop."]
    assert generate.take_trace() == [], "a trace is handed over once"


def test_the_backend_is_resolved_on_the_first_request_only():
    made = []

    def make():
        made.append(ScriptedBackend(["a", "b"]))
        return made[-1]

    generate = TextGenerator(make)
    assert made == [], "a question a verified query answers needs no backend"
    generate([]), generate.with_params(max_tokens=600)([])
    assert len(made) == 1 and [p.max_tokens for p in made[0].calls] == [320, 600]


@pytest.fixture
def replicate():
    server = ReplicateStandIn(REPLICATE_TOKEN).start()
    yield server
    server.stop()


def test_through_replicates_sdk_the_sampled_retry_goes_without_a_seed(orders_source, replicate):
    """The real Replicate provider and SDK against the protocol STAND-IN for Replicate's API."""
    from backends import create_backend, load_settings

    replicate.script(*(Reply(tokens=(reply,)) for reply in REPLIES))
    settings = load_settings(
        {"REPLICATE_API_TOKEN": REPLICATE_TOKEN, "FLOE_REPLICATE_BASE_URL": replicate.base_url}
    )
    generate = TextGenerator(create_backend("replicate", settings))
    answer = SqlAgent(orders_source, generate).ask(QUESTION)

    assert answer.ok and answer.result.rows[0][0] == "Germany"
    inputs = [r.json()["input"] for r in replicate.creates()]
    assert [i["temperature"] for i in inputs] == [0.0, 0.0, SAMPLING["temperature"], 0.0]
    assert not any("seed" in i or "min_p" in i for i in inputs)
    assert answer.trace == ["replicate does not take min_p, seed; the reply was asked for without them."]


def test_the_answer_says_where_the_models_time_went(orders_source):
    from sql_agent.answers.summary import timing_line

    def slow_to_load():
        time.sleep(0.2)  # as the embedded model's first load would
        return ScriptedBackend(REPLIES)

    answer = SqlAgent(orders_source, TextGenerator(slow_to_load)).ask(QUESTION)
    t = answer.timings
    assert t["calls"] == 4 and t["load_s"] >= 0.2 and t["prompt_tokens"] > 400
    line = timing_line(t, 0.0123)
    assert (
        " in 4 calls (loading 0.2" in line and "prompt tokens" in line and line.endswith("the query 0.012 s")
    )


def test_the_schema_read_when_a_source_opens_is_not_read_again_by_the_first_question(orders_source):
    from backends import create_backend, load_settings
    from sql_agent.answers.summary import timing_line
    from sql_agent.generation.warming import warm_in_background
    from tests.conftest import TINY_MODEL

    backend = create_backend("local", load_settings(TINY_MODEL))
    kept = []
    for read_ahead in (False, True):
        list(backend.chat([Message("user", "Name a colour.")], ChatParams(max_tokens=4)))  # read last
        agent = SqlAgent(orders_source, TextGenerator(backend), max_repairs=0)  # one call per question
        if read_ahead:
            warm_in_background(agent).join(timeout=120)
        answer = agent.ask(QUESTION)
        kept.append(answer.timings.get("kept_prompt_tokens", 0))
    # the system prompt and the schema (over 300 tokens) are read once, before the question
    assert kept[0] < 10 and kept[1] > 300
    assert f"({int(kept[1]):,} read before)" in timing_line(answer.timings)
