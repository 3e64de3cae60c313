"""The hosted profile (requirements.txt only, as Community Cloud installs it), through the real app
script with AppTest: no embedded runtime (see the `hosted_runtime` fixture), settings in secrets,
and the public-demo limits. Remote backends are protocol stand-ins on loopback, never mocks."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app.ui import state
from tests.app.chat_apptest import ENTRY, captions, send, transcript
from tests.backends.standins import ReplicateStandIn
from tests.backends.standins.base import DEFAULT_TOKENS
from tests.backends.standins.cortex_sql import install_cortex_functions
from tests.backends.standins.fake_secrets import REPLICATE_TOKEN

pytestmark = [
    pytest.mark.timeout(180),
    # fakesnow's own cursor, under duckdb 2.0: not about Floe
    pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning"),
]


@pytest.fixture()
def replicate(data_dir):
    server = ReplicateStandIn(REPLICATE_TOKEN).start()
    yield server
    server.stop()


def hosted_app(secrets: dict) -> AppTest:
    """A new browser session on a deployment whose secrets are `secrets`."""
    st.cache_resource.clear()
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.secrets.update(secrets)
    at.run()
    assert not at.exception, at.exception
    return at


def replicate_secrets(server: ReplicateStandIn, **more) -> dict:
    return {"REPLICATE_API_TOKEN": REPLICATE_TOKEN, "FLOE_REPLICATE_BASE_URL": server.base_url, **more}


def page_text(at: AppTest) -> str:
    return " ".join(
        str(el.value) for kind in ("subheader", "markdown", "caption", "info") for el in getattr(at, kind)
    )


def test_without_keys_the_app_opens_on_a_setup_panel_not_an_error(hosted_runtime, data_dir):
    at = hosted_app({})
    text = page_text(at)
    assert "Set up a model to chat with" in text
    for setting in ("FLOE_OPENAI_BASE_URL", "REPLICATE_API_TOKEN", "[connections.snowflake]"):
        assert setting in text
    assert "Embedded (llama.cpp)** (not installed here)" in text
    assert not at.error, [e.value for e in at.error]
    assert not at.chat_input, "no chat box that could only fail"
    assert "No model backend is set up yet." in [i.value for i in at.sidebar.info]

    at.switch_page("views/settings.py").run()
    table = at.dataframe[0].value.set_index("backend")
    assert table.loc["Embedded (llama.cpp)", "status"] == "not installed"
    assert table.loc["Replicate (Snowflake Arctic)", "detail"] == "needs REPLICATE_API_TOKEN"


def test_with_a_replicate_token_in_secrets_the_first_hello_is_answered(hosted_runtime, replicate):
    at = hosted_app(replicate_secrets(replicate))
    assert at.selectbox(key=state.BACKEND).value == "replicate"
    assert at.selectbox(key=state.BACKEND).options == ["Replicate (Snowflake Arctic)"], "no embedded option"
    send(at, "Hello")
    assert transcript(at) == [("user", "Hello"), ("assistant", "".join(DEFAULT_TOKENS))]
    assert not at.error and "replicate" in captions(at)


def test_with_a_cortex_connection_in_secrets_the_first_hello_is_answered(hosted_runtime, data_dir):
    fakesnow = pytest.importorskip("fakesnow")
    import snowflake.connector

    connection = {"account": "xy12345", "user": "floe", "password": "standin-password-0123456789"}
    with fakesnow.patch():  # Snowflake SQL on DuckDB, in this process: Floe's own connect runs
        setup = snowflake.connector.connect(account="xy12345", user="setup", password="x")
        install_cortex_functions(setup.cursor(), setup._duck_conn)
        at = hosted_app({"connections": {"snowflake": connection}})
        assert at.selectbox(key=state.BACKEND).value == "cortex"
        send(at, "Hello")
    assert transcript(at) == [("user", "Hello"), ("assistant", "You said: Hello")]
    assert not at.error


def test_demo_limits_cap_answers_refuse_politely_and_outlast_the_session(hosted_runtime, replicate):
    secrets = replicate_secrets(
        replicate, FLOE_LIMIT_MESSAGES_PER_HOUR=1, FLOE_LIMIT_MAX_TOKENS_PER_ANSWER=24
    )
    at = hosted_app(secrets)
    assert "Demo limits: 1 message left this hour · answers up to 24 tokens" in captions(at)
    assert at.number_input(key=state.MAX_TOKENS).max == 24
    send(at, "Hello")
    assert replicate.creates()[0].json()["input"]["max_new_tokens"] == 24

    at = hosted_app(secrets)  # a new browser session of the same visitor (here "local")
    assert "0 messages left this hour" in captions(at)
    send(at, "Hello again")
    assert transcript(at)[-1] == ("assistant", ""), "no answer was generated"
    assert at.error[0].value.startswith("You have reached this demo's limit of 1 message per hour.")
    assert "Retry" in [b.label for b in at.button], "the question is kept and can be retried later"
    assert len(replicate.creates()) == 1, "nothing more was sent to the paid API"


def test_a_visitor_cannot_lift_the_limits_from_their_session(hosted_runtime, replicate):
    at = hosted_app(replicate_secrets(replicate, FLOE_LIMIT_MESSAGES_PER_HOUR=0))
    at.session_state[state.OVERRIDES] = {"FLOE_LIMIT_MESSAGES_PER_HOUR": "1000"}
    send(at, "Hello")
    assert "limit of 0 messages per hour" in at.error[0].value
    assert replicate.creates() == []
