"""Cortex SQL provider (FLOE_CORTEX_MODE=sql): Floe's SQL, parameter binding and result parsing
through snowflake-connector-python, against fakesnow (Snowflake SQL on DuckDB), on loopback.

Two ways in, both running Floe's code unchanged:

* `fakesnow.patch()`: `snowflake.connector.connect` returns fakesnow's in-process connection, so
  Floe's own `_connect` (account/user/password/warehouse/role/login_timeout) is the code that
  connects; fakesnow's cursor binds the `%s` parameters.
* `fakesnow.server()`: the real connector speaks Snowflake's HTTP protocol (login, query request,
  client-side `%s` binding with Snowflake string escaping, Arrow result decoding, error responses)
  to fakesnow's server on 127.0.0.1, through `connection_factory` (the path `st.connection
  ("snowflake")` and Streamlit in Snowflake use).

SNOWFLAKE.CORTEX.COMPLETE and EMBED_TEXT_768 are STAND-IN DuckDB macros (standins/cortex_sql.py)
that compute their result from the arguments Floe sent.

What this cannot cover: the real COMPLETE (its models, answers, token counts, error texts such as
an unknown model or a region without Cortex), the real EMBED_TEXT_768 and its VECTOR(FLOAT, 768)
type (the stand-in returns JSON text; the connector hands VECTOR back as a list, which Floe also
accepts but is not exercised here), real authentication (password, key-pair, MFA, SSO: fakesnow
accepts any credentials; only a login refusal is replayed by a stand-in endpoint), warehouses and
roles (accepted and ignored), query timeouts, and the Snowflake privileges (CORTEX_USER).
"""

from __future__ import annotations

import importlib

import pytest

from backends import (
    AuthError,
    BadResponse,
    ChatParams,
    Message,
    Unavailable,
    create_backend,
    load_settings,
)
from tests.backends.standins.cortex_sql import SnowflakeLoginStandIn, install_cortex_functions
from tests.backends.standins.drive import assert_secret_absent, drive
from tests.conftest import free_port

fakesnow = pytest.importorskip("fakesnow")
snowflake_connector = pytest.importorskip("snowflake.connector")
start_fakesnow_server = fakesnow.server  # the context manager (importing fakesnow.server shadows it)

pytestmark = [
    pytest.mark.timeout(60),
    # fakesnow's own cursor, under duckdb 2.0: not about Floe
    pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning"),
]

ACCOUNT = "xy12345"
USER = "floe_user"
SQL_PASSWORD = "standin-Sql-Password-0123456789"
TRICKY = 'It\'s "quoted", back\\slash, 100% {braces} %s; --\nnew line ✓'


def sql_settings(**overrides):
    cfg = {
        "FLOE_CORTEX_MODE": "sql",
        "SNOWFLAKE_ACCOUNT": ACCOUNT,
        "SNOWFLAKE_USER": USER,
        "SNOWFLAKE_PASSWORD": SQL_PASSWORD,
        "FLOE_CONNECT_TIMEOUT": "7",
        "FLOE_FIRST_TOKEN_TIMEOUT": "20",
        **overrides,
    }
    return load_settings(cfg)


# -- fakesnow.patch(): Floe's own _connect ----------------------------------------------------------


def test_fakesnow_patch_complete_through_floes_own_connect():
    settings = sql_settings(SNOWFLAKE_WAREHOUSE="COMPUTE_WH", SNOWFLAKE_ROLE="CORTEX_ROLE")
    with fakesnow.patch():
        setup = snowflake_connector.connect(account=ACCOUNT, user="setup", password="x")
        install_cortex_functions(setup.cursor(), setup._duck_conn)
        backend = create_backend("cortex", settings)

        health = backend.health()
        out = drive(backend, TRICKY, max_tokens=42)
        floe_connect = snowflake_connector.connect.call_args_list[-1].kwargs

    assert health.ok and health.detail == "Connected to Snowflake"
    assert floe_connect == {
        "account": ACCOUNT,
        "user": USER,
        "password": SQL_PASSWORD,
        "warehouse": "COMPUTE_WH",
        "role": "CORTEX_ROLE",
        "login_timeout": 7,
    }
    assert out.error is None
    assert out.shown == out.stream.text == "You said: " + TRICKY
    usage = out.stream.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.exact) == (2, 42, True)
    assert usage.model == "snowflake-arctic"


def test_fakesnow_patch_missing_cortex_function_is_a_bad_response():
    with fakesnow.patch():  # no SNOWFLAKE.CORTEX here, as in an account or region without Cortex
        out = drive(create_backend("cortex", sql_settings()))

    assert isinstance(out.error, BadResponse)
    assert out.error.user_message.startswith("Snowflake rejected the Cortex call: ")
    assert "SNOWFLAKE" in out.error.user_message  # Snowflake's own words about what is missing
    assert out.shown == out.stream.text == ""
    assert_secret_absent(out.error, SQL_PASSWORD)


# -- fakesnow.server(): the real connector over HTTP ------------------------------------------------


@pytest.fixture(scope="module")
def fakesnow_conn_kwargs():
    with start_fakesnow_server() as kwargs:
        setup = snowflake_connector.connect(**kwargs)
        install_cortex_functions(
            setup.cursor(), importlib.import_module("fakesnow.server").shared_fs.duck_conn
        )
        yield kwargs
        setup.close()


def wire_backend(conn_kwargs, **settings_overrides):
    return create_backend(
        "cortex",
        sql_settings(**settings_overrides),
        connection_factory=lambda: snowflake_connector.connect(**conn_kwargs),
    )


def test_fakesnow_server_complete_binds_a_multi_turn_conversation_through_the_connector(fakesnow_conn_kwargs):
    backend = wire_backend(fakesnow_conn_kwargs, FLOE_CORTEX_MODEL="mistral-large2")
    messages = [
        Message("system", "Answer in one line."),
        Message("user", "Hi"),
        Message("assistant", "Hello! ' \" \\"),
        Message("user", TRICKY),
    ]
    stream = backend.chat(messages, ChatParams(max_tokens=17))
    text = "".join(stream)

    assert text == stream.text == "You said: " + TRICKY  # survived the connector's client-side binding
    usage = stream.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.exact) == (4, 17, True)
    assert usage.model == "mistral-large2"


def test_fakesnow_server_embed_keeps_one_vector_per_text_in_order(fakesnow_conn_kwargs):
    # fakesnow's FLATTEN needs a current database (Snowflake's does not), so this connection names
    # one, as a typical st.connection("snowflake") configuration does.
    backend = wire_backend({**fakesnow_conn_kwargs, "database": "FLOE_DB", "schema": "PUBLIC"})
    texts = ["Snowflake Arctic", TRICKY, "Snowflake Arctic", "x"]

    vectors = backend.embed(texts)

    assert len(vectors) == 4
    assert all(len(v) == 768 and all(isinstance(x, float) for x in v) for v in vectors)
    assert vectors[0] == vectors[2] and vectors[0] != vectors[1]
    # Row i is text i's vector: the same as embedding each text on its own.
    assert vectors == [backend.embed([t])[0] for t in texts]


def test_fakesnow_server_sql_error_reaches_the_user_as_a_bad_response(fakesnow_conn_kwargs):
    isolated = {
        **fakesnow_conn_kwargs,
        # a fresh database on the same server: no SNOWFLAKE.CORTEX functions in it
        "session_parameters": {
            **fakesnow_conn_kwargs["session_parameters"],
            "FAKESNOW_DB_PATH": ":isolated:",
        },
    }
    out = drive(wire_backend(isolated))

    assert isinstance(out.error, BadResponse)
    assert out.error.user_message.startswith("Snowflake rejected the Cortex call: ")
    assert "SNOWFLAKE" in out.error.user_message
    assert out.shown == ""
    assert_secret_absent(out.error, SQL_PASSWORD, "snow")


def loopback_connector(port: int, login_timeout: int):
    """A connection factory for the real connector, aimed at a port on this machine over plain HTTP."""

    def connect():
        return snowflake_connector.connect(
            account=ACCOUNT,
            user=USER,
            password=SQL_PASSWORD,
            host="127.0.0.1",
            port=port,
            protocol="http",
            login_timeout=login_timeout,
            session_parameters={"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
        )

    return connect


def test_standin_snowflake_login_refused_is_an_auth_error():
    server = SnowflakeLoginStandIn().start()
    port = int(server.base_url.rsplit(":", 1)[1])
    settings = sql_settings()

    connect = loopback_connector(port, login_timeout=5)

    try:
        backend = create_backend("cortex", settings, connection_factory=connect)
        out = drive(backend)
        health = backend.health()
    finally:
        server.stop()

    assert server.requests_to("POST", "/session/v1/login-request")  # the connector did log in
    assert isinstance(out.error, AuthError)
    assert out.error.user_message == "Snowflake refused the login."
    assert not health.ok and health.detail == "Snowflake refused the login."
    assert_secret_absent(out.error, SQL_PASSWORD)


def test_snowflake_unreachable_is_unavailable_not_an_auth_error():
    port = free_port()  # nothing listens there

    connect = loopback_connector(port, login_timeout=3)

    out = drive(create_backend("cortex", sql_settings(), connection_factory=connect))

    assert isinstance(out.error, Unavailable)
    assert out.error.user_message == "Snowflake could not be reached."
    assert_secret_absent(out.error, SQL_PASSWORD)
