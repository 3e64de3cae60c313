"""STAND-IN for an OpenAI-compatible server serving a guard model (Llama Guard on vLLM), loopback only.

Speaks the documented Chat Completions format the `openai` SDK uses, unstreamed:
`POST /v1/chat/completions` with `{"model", "messages", "max_tokens", ...}` answers
`{"id", "object": "chat.completion", "model", "choices": [{"index": 0, "message": {"role":
"assistant", "content": ...}, "finish_reason": "stop"}], "usage": {...}}`; errors are
`{"error": {"message", "type"}}` with the HTTP status. `GET /v1/models` lists the one model.
The reply's text is the scripted `Reply.tokens`, joined (e.g. "unsafe\\nS1").
"""

from __future__ import annotations

from .base import Recorded, StandInServer

CHAT_PATH = "/v1/chat/completions"


class OpenAIChatStandIn(StandInServer):
    def __init__(self, model: str, api_key: str | None = None):
        super().__init__()
        self.model, self.api_key = model, api_key

    def chats(self) -> list[Recorded]:
        return self.requests_to("POST", CHAT_PATH)

    def handle(self, h, req: Recorded) -> None:
        path = req.path.split("?")[0]
        if self.api_key and req.headers.get("authorization") != f"Bearer {self.api_key}":
            return self.send_json(
                h, 401, {"error": {"message": "Invalid API key", "type": "invalid_request_error"}}
            )
        if req.method == "GET" and path == "/v1/models":
            return self.send_json(h, 200, {"object": "list", "data": [{"id": self.model, "object": "model"}]})
        if req.method != "POST" or path != CHAT_PATH:
            return self.send_json(
                h, 404, {"error": {"message": "Not found", "type": "invalid_request_error"}}
            )
        reply = self.next_reply()
        if reply.status != 200:
            return self.send_json(
                h, reply.status, {"error": {"message": reply.detail or "error", "type": "server_error"}}
            )
        self.send_json(
            h,
            200,
            {
                "id": "chatcmpl-standin",
                "object": "chat.completion",
                "created": 0,
                "model": (req.json() or {}).get("model", self.model),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "".join(reply.tokens)},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 200, "completion_tokens": 4, "total_tokens": 204},
            },
        )
