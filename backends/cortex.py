"""Snowflake Cortex: COMPLETE through snowflake-connector-python SQL, or streamed over the REST API.

The SQL path works with a connection Floe opens from settings, with `st.connection("snowflake")`'s
raw connection, and inside Streamlit in Snowflake (pass `connection_factory`).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Sequence

from .cortex_rest import CORTEX_FILTERED, stream_complete
from .errors import AuthError, BackendError, BadResponse, NotConfigured, Unavailable
from .settings import CortexSettings
from .streaming import ChatStream, StreamPolicy, estimate_message_tokens
from .types import Capabilities, ChatParams, Health, Message, ProviderUsage

ACCOUNT_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

COMPLETE_SQL = "SELECT SNOWFLAKE.CORTEX.COMPLETE(%s, PARSE_JSON(%s), PARSE_JSON(%s))"
EMBED_SQL = (
    "SELECT SNOWFLAKE.CORTEX.EMBED_TEXT_768(%s, f.value::string) "
    "FROM TABLE(FLATTEN(INPUT => PARSE_JSON(%s))) f ORDER BY f.index"
)
# 250001 (ER_FAILED_TO_CONNECT_TO_DB) is only an auth failure on a plain DatabaseError (MFA); the
# connector also raises it as OperationalError when Snowflake cannot be reached at all, and as
# ServiceUnavailable/BadGateway for a 502/504 at login, so those are checked first.
_AUTH_ERRNOS = {250001, 390100, 390144, 390318, 394304}


def _translate(exc: Exception) -> BackendError:
    from snowflake.connector import errors as sf

    errno = getattr(exc, "errno", None)
    if isinstance(exc, sf.ForbiddenError):
        return AuthError("Snowflake refused the login.")
    if isinstance(
        exc,
        (
            sf.OperationalError,
            sf.InterfaceError,
            sf.ServiceUnavailableError,
            sf.BadGatewayError,
            sf.GatewayTimeoutError,
        ),
    ):
        return Unavailable("Snowflake could not be reached.")
    if errno in _AUTH_ERRNOS:
        return AuthError("Snowflake refused the login.")
    if isinstance(exc, sf.ProgrammingError):
        return BadResponse(f"Snowflake rejected the Cortex call: {getattr(exc, 'msg', '')[:200]}")
    return BadResponse(f"Snowflake failed the Cortex call ({type(exc).__name__}).")


class CortexBackend:
    name = "cortex"

    def __init__(
        self,
        settings: CortexSettings,
        policy: StreamPolicy,
        connection_factory: Callable[[], object] | None = None,
    ):
        self.settings = settings
        self.policy = policy
        self._connection_factory = connection_factory or self._connect
        self._connection = None
        self._lock = threading.Lock()

    def _connect(self):
        import snowflake.connector

        s = self.settings
        params = {"account": s.account, "user": s.user, "warehouse": s.warehouse, "role": s.role}
        if s.private_key_file:
            params["private_key_file"] = s.private_key_file
        else:
            params["password"] = s.password
        params["login_timeout"] = int(self.policy.connect_timeout_s)
        return snowflake.connector.connect(**{k: v for k, v in params.items() if v is not None})

    def _cursor(self):
        if self._connection is None:
            self._connection = self._connection_factory()
        return self._connection.cursor()

    def _query(self, sql: str, args: tuple) -> list[tuple]:
        with self._lock:
            try:
                cursor = self._cursor()
                try:
                    cursor.execute(sql, args, timeout=int(self.policy.first_token_timeout_s))
                    return cursor.fetchall()
                finally:
                    cursor.close()
            except BackendError:
                raise
            except Exception as exc:
                raise _translate(exc) from None

    def info(self) -> Capabilities:
        return Capabilities(
            context_window=self.settings.context_window,
            streaming=self.settings.mode == "rest",
            embeddings=True,
            exact_token_count=False,
            default_model=self.settings.model,
            embedding_dim=768,
        )

    def health(self) -> Health:
        if self.settings.mode == "rest":
            return Health(True, f"REST endpoint {self.settings.rest_url} configured (checked on first call)")
        try:
            self._query("SELECT CURRENT_VERSION()", ())
        except BackendError as err:
            return Health(False, err.user_message)
        return Health(True, "Connected to Snowflake", (self.settings.model,))

    def count_tokens(self, messages: Sequence[Message]) -> tuple[int, bool]:
        return estimate_message_tokens(messages)

    def chat(self, messages: Sequence[Message], params: ChatParams) -> ChatStream:
        model = params.model or self.settings.model
        if self.settings.mode == "rest":
            events = stream_complete(self.settings, self.policy, messages, params, model)
        else:
            events = self._sql_complete(messages, params, model)
        return ChatStream(events, self.policy, prompt_tokens=self.count_tokens(messages), model=model)

    def _sql_complete(self, messages: Sequence[Message], params: ChatParams, model: str):
        prompt = json.dumps([m.as_dict() for m in messages])
        options = {"temperature": params.temperature, "top_p": params.top_p, "max_tokens": params.max_tokens}
        if self.settings.guardrails:  # Cortex Guard replaces an unsafe answer with CORTEX_FILTERED
            options["guardrails"] = {"enabled": True, "response_when_unsafe": CORTEX_FILTERED}
        options = json.dumps(options)

        def events(cancel: threading.Event) -> Iterator[str | ProviderUsage]:
            rows = self._query(COMPLETE_SQL, (model, prompt, options))
            try:
                reply = rows[0][0]
                reply = json.loads(reply) if isinstance(reply, str) else reply
                text = reply["choices"][0]["messages"]
            except (IndexError, KeyError, TypeError, json.JSONDecodeError):
                raise BadResponse("Cortex COMPLETE returned a result Floe could not read.") from None
            usage = reply.get("usage") or {}
            yield ProviderUsage(
                usage.get("prompt_tokens"), usage.get("completion_tokens"), reply.get("model")
            )
            yield text  # the SQL function is not streamed: the whole answer arrives at once

        return events

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        rows = self._query(EMBED_SQL, (self.settings.embedding_model, json.dumps(list(texts))))
        return [list(row[0]) if not isinstance(row[0], str) else json.loads(row[0]) for row in rows]


def create(settings: CortexSettings, policy: StreamPolicy, connection_factory=None) -> CortexBackend:
    if settings.account and not ACCOUNT_IDENTIFIER.fullmatch(settings.account):
        # The account becomes part of a host name: anything else could point requests elsewhere.
        raise NotConfigured(
            "SNOWFLAKE_ACCOUNT must be an account identifier (letters, digits, '_', '-' and '.'), "
            "such as myorg-myaccount."
        )
    return CortexBackend(settings, policy, connection_factory)
