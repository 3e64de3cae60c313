"""Snowflake Cortex REST: streaming COMPLETE over server-sent events, with PAT or key-pair (JWT) auth."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Iterator, Sequence

import httpx
from httpx_sse import SSEError, connect_sse

from .errors import BackendError, BackendTimeout, BadResponse, NotConfigured
from .http_errors import connection_failed, from_status
from .settings import CortexSettings
from .streaming import StreamPolicy
from .types import ChatParams, Message, ProviderUsage

CORTEX_FILTERED = "Response filtered by Cortex Guard"  # Cortex's reply in place of an unsafe answer

SERVICE = "Snowflake Cortex"
COMPLETE_PATH = "/api/v2/cortex/inference:complete"


def keypair_jwt(settings: CortexSettings, lifetime_s: int = 3540) -> str:
    """A key-pair JWT as Snowflake documents it: iss = ACCOUNT.USER.SHA256:<public key fingerprint>."""
    import jwt
    from cryptography.hazmat.primitives import serialization

    with open(settings.private_key_file, "rb") as fh:
        key = serialization.load_pem_private_key(fh.read(), password=None)
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(public_der).digest()).decode()
    account = settings.account.split(".")[0].upper()
    user = settings.user.upper()
    now = int(time.time())
    claims = {
        "iss": f"{account}.{user}.{fingerprint}",
        "sub": f"{account}.{user}",
        "iat": now,
        "exp": now + lifetime_s,
    }
    return jwt.encode(claims, key, algorithm="RS256")


def auth_headers(settings: CortexSettings) -> dict[str, str]:
    if settings.pat:
        return {
            "Authorization": f"Bearer {settings.pat}",
            "X-Snowflake-Authorization-Token-Type": "PROGRAMMATIC_ACCESS_TOKEN",
        }
    if settings.private_key_file and settings.user:
        return {
            "Authorization": f"Bearer {keypair_jwt(settings)}",
            "X-Snowflake-Authorization-Token-Type": "KEYPAIR_JWT",
        }
    raise NotConfigured("Cortex REST needs SNOWFLAKE_PAT, or SNOWFLAKE_USER with SNOWFLAKE_PRIVATE_KEY_FILE.")


def _delta_text(event: dict) -> str:
    choices = event.get("choices") or []
    if not choices:
        return ""
    delta = choices[0].get("delta") or {}
    # Cortex has sent the text as `content` and, in older releases, as `text`.
    return delta.get("content") or delta.get("text") or ""


def stream_complete(
    settings: CortexSettings,
    policy: StreamPolicy,
    messages: Sequence[Message],
    params: ChatParams,
    model: str,
):
    """Returns the event function ChatStream runs on its worker thread."""
    body = {
        "model": model,
        "messages": [m.as_dict() for m in messages],
        "temperature": params.temperature,
        "top_p": params.top_p,
        "max_tokens": params.max_tokens,
        "stream": True,
    }
    if settings.guardrails:  # Cortex Guard replaces an unsafe answer with CORTEX_FILTERED
        body["guardrails"] = {"enabled": True, "response_when_unsafe": CORTEX_FILTERED}

    def events(cancel: threading.Event) -> Iterator[str | ProviderUsage]:
        headers = {
            **auth_headers(settings),
            "Accept": "text/event-stream",
            "Content-Type": "application/json",
        }
        timeout = policy.http_timeout()
        started = False
        try:
            with (
                httpx.Client(timeout=timeout) as client,
                connect_sse(
                    client, "POST", settings.rest_url + COMPLETE_PATH, json=body, headers=headers
                ) as source,
            ):
                status = source.response.status_code
                if status >= 400:
                    raise from_status(status, SERVICE, source.response.headers.get("retry-after"))
                for sse in source.iter_sse():
                    if cancel.is_set():
                        return
                    if not sse.data or sse.data == "[DONE]":
                        continue
                    try:
                        event = json.loads(sse.data)
                    except json.JSONDecodeError:
                        raise BadResponse(f"{SERVICE} sent a stream event that is not JSON.") from None
                    if usage := event.get("usage"):
                        yield ProviderUsage(
                            usage.get("prompt_tokens"), usage.get("completion_tokens"), event.get("model")
                        )
                    if text := _delta_text(event):
                        started = True
                        yield text
        except BackendError:
            raise
        except httpx.TimeoutException:
            raise BackendTimeout(f"{SERVICE} stopped sending the answer.") from None
        except (httpx.HTTPError, SSEError):
            raise connection_failed(SERVICE, during_stream=started) from None

    return events
