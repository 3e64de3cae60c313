"""STAND-IN for Snowflake Cortex's REST COMPLETE endpoint, loopback only.

`POST /api/v2/cortex/inference:complete` (Snowflake docs, "Cortex REST API"): JSON body with
`model`, `messages`, `stream: true` and options; the answer is `text/event-stream` whose events are
`data: {"id": ..., "model": ..., "choices": [{"delta": {"content": "..."}}], "usage": {...}}`
(usage carries running prompt/completion token counts); errors are JSON `{"code", "message",
"request_id"}` with the HTTP status.

Authentication is checked as Snowflake does it:

* `X-Snowflake-Authorization-Token-Type: PROGRAMMATIC_ACCESS_TOKEN` with `Bearer <PAT>`;
* `X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT` with `Bearer <JWT>`: an RS256 JWT signed by
  the user's registered key, `iss = ACCOUNT.USER.SHA256:<base64 sha256 of the public key DER>`,
  `sub = ACCOUNT.USER`, not expired. The decoded claims are kept in `jwt_claims` for tests.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import uuid

from .base import DONE, MALFORMED, RESET, STALL, Recorded, Reply, StandInServer

COMPLETE_PATH = "/api/v2/cortex/inference:complete"


def public_key_fingerprint(public_key) -> str:
    from cryptography.hazmat.primitives import serialization

    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()


class CortexRestStandIn(StandInServer):
    """Cortex REST stand-in. Give it the PAT it accepts, or (account, user, public_key) for key-pair."""

    PROMPT_TOKENS = 57  # the prompt token count this stand-in reports in `usage`

    def __init__(self, pat: str | None = None, *, account: str = "", user: str = "", public_key=None):
        super().__init__()
        self.pat = pat
        self.account = account.split(".")[0].upper()
        self.user = user.upper()
        self.public_key = public_key
        self.jwt_claims: list[dict] = []

    def completes(self) -> list[Recorded]:
        return self.requests_to("POST", COMPLETE_PATH)

    # -- routes -----------------------------------------------------------------------------------
    def handle(self, h, req: Recorded) -> None:
        if req.method != "POST" or req.path.split("?")[0] != COMPLETE_PATH:
            return self._error(h, 404, "390404", "Not found.")
        if (denied := self._authenticate(req)) is not None:
            return self._error(h, 401, *denied)
        reply = self.next_reply()
        if reply.status != 200:
            messages = {429: "Too many requests.", 500: "Internal error.", 401: "Invalid OAuth access token."}
            return self._error(
                h, reply.status, "399999", reply.detail or messages.get(reply.status, "Error."), reply.headers
            )
        body = req.json()
        self._stream(h, reply, body.get("model", ""))

    def _authenticate(self, req: Recorded) -> tuple[str, str] | None:
        auth = req.headers.get("authorization", "")
        kind = req.headers.get("x-snowflake-authorization-token-type", "")
        if not auth.startswith("Bearer "):
            return ("390101", "Authorization header not found in the request data.")
        token = auth.removeprefix("Bearer ")
        if kind == "PROGRAMMATIC_ACCESS_TOKEN":
            return (
                None if self.pat and token == self.pat else ("390303", "Invalid programmatic access token.")
            )
        if kind == "KEYPAIR_JWT" and self.public_key is not None:
            import jwt

            try:
                claims = jwt.decode(
                    token, self.public_key, algorithms=["RS256"], options={"require": ["exp", "iat"]}
                )
            except jwt.PyJWTError:
                return ("390144", "JWT token is invalid.")
            self.jwt_claims.append(claims)
            expected_sub = f"{self.account}.{self.user}"
            expected_iss = f"{expected_sub}.{public_key_fingerprint(self.public_key)}"
            if claims.get("iss") != expected_iss or claims.get("sub") != expected_sub:
                return ("390144", "JWT token is invalid.")
            return None
        return ("390303", "Invalid OAuth access token.")

    def _error(self, h, status: int, code: str, message: str, headers=()) -> None:
        request_id = str(uuid.uuid4())
        body = {"code": code, "message": f"{message} [{request_id}]", "request_id": request_id}
        self.send_json(h, status, body, headers)

    def _stream(self, h, reply: Reply, model: str) -> None:
        writer, log = self.open_stream(h, len(reply.tokens))
        rid = str(uuid.uuid4())
        if reply.first_delay_s:
            self.pause(reply.first_delay_s)
        for i, token in zip(itertools.count(), reply.tokens):
            if i and reply.delay_s:
                self.pause(reply.delay_s)
            event = {
                "id": rid,
                "model": model,
                "choices": [{"delta": {"content": token}}],
                "usage": {
                    "prompt_tokens": self.PROMPT_TOKENS,
                    "completion_tokens": i + 1,
                    "total_tokens": self.PROMPT_TOKENS + i + 1,
                },
            }
            if not writer.write(f"data: {json.dumps(event)}\n\n"):
                log.ended = "client went away"
                return
            log.tokens_sent += 1

        log.ended = reply.end
        if reply.end == DONE:
            writer.finish()
        elif reply.end == RESET:
            writer.reset()
        elif reply.end == STALL:
            self.stall()
        elif reply.end == MALFORMED:
            # A truncated JSON document where an event's data must be one JSON object.
            writer.write('data: {"id": "' + rid + '", "choices": [{"delta": {"content": "brok\n\n')
            writer.finish()
        else:  # pragma: no cover - a typo in a test script
            raise ValueError(f"unknown end {reply.end!r}")
