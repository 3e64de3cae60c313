"""STAND-IN for Replicate's HTTP API (https://replicate.com/docs/reference/http), loopback only.

Speaks what the `replicate` SDK uses for a streamed prediction:

* `POST /v1/models/{owner}/{name}/predictions` with `{"input": ..., "stream": true}` answers 201
  with the prediction JSON whose `urls.stream` is the SSE endpoint (`urls.get`, `urls.cancel` too);
  errors are RFC 7807 problem-details JSON, as Replicate sends them.
* `GET <urls.stream>` (`Accept: text/event-stream`) streams events `output` (the text; a newline in
  the text becomes several `data:` lines), then `done` (`{}`, or `{"reason": "canceled"}`), or
  `error` (`{"detail": ...}`). Each event carries an `id`, as Replicate's do.
* `POST /v1/predictions/{id}/cancel` cancels: a running stream ends with `done`/canceled.
* `GET /v1/models/{owner}/{name}` (the model, for the health check).

Every route checks `Authorization: Bearer <token>` like the real API (401 otherwise).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field

from .base import DONE, ERROR_EVENT, MALFORMED, RESET, STALL, Recorded, Reply, StandInServer, sse_event

_CREATE = re.compile(r"^/v1/models/(?P<owner>[^/]+)/(?P<name>[^/]+)/predictions$")
_MODEL = re.compile(r"^/v1/models/(?P<owner>[^/]+)/(?P<name>[^/]+)$")
_STREAM = re.compile(r"^/v1/streams/(?P<id>[^/]+)$")
_CANCEL = re.compile(r"^/v1/predictions/(?P<id>[^/]+)/cancel$")
_GET = re.compile(r"^/v1/predictions/(?P<id>[^/]+)$")


@dataclass
class Prediction:
    id: str
    model: str
    input: dict
    reply: Reply
    status: str = "starting"
    canceled: threading.Event = field(default_factory=threading.Event)


class ReplicateStandIn(StandInServer):
    """Replicate API stand-in. `script(Reply(...), ...)` decides what each prediction create does."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token
        self.predictions: dict[str, Prediction] = {}
        self._ids = itertools.count(1)

    # -- what tests look at -----------------------------------------------------------------------
    def creates(self) -> list[Recorded]:
        return self.requests_to("POST", lambda p: bool(_CREATE.match(p)))

    def cancels(self) -> list[Recorded]:
        return self.requests_to("POST", lambda p: bool(_CANCEL.match(p)))

    # -- routes -----------------------------------------------------------------------------------
    def handle(self, h, req: Recorded) -> None:
        path = req.path.split("?")[0]
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return self._problem(h, 401, "Unauthenticated", "You did not pass a valid authentication token")
        if req.method == "POST" and (m := _CREATE.match(path)):
            return self._create(h, req, f"{m['owner']}/{m['name']}")
        if req.method == "GET" and (m := _STREAM.match(path)):
            return self._stream(h, m["id"])
        if req.method == "POST" and (m := _CANCEL.match(path)):
            return self._cancel(h, m["id"])
        if req.method == "GET" and (m := _GET.match(path)) and m["id"] in self.predictions:
            return self.send_json(h, 200, self._prediction_json(self.predictions[m["id"]]))
        if req.method == "GET" and (m := _MODEL.match(path)):
            return self.send_json(h, 200, self._model_json(m["owner"], m["name"]))
        return self._problem(h, 404, "Not found", "The requested resource could not be found.")

    def _problem(self, h, status: int, title: str, detail: str, headers=()) -> None:
        self.send_json(h, status, {"title": title, "detail": detail, "status": status}, headers)

    def _create(self, h, req: Recorded, model: str) -> None:
        reply = self.next_reply()
        if reply.status != 200:
            titles = {429: "Too Many Requests", 401: "Unauthenticated", 500: "Internal Server Error"}
            detail = reply.detail or titles.get(reply.status, "Error")
            return self._problem(h, reply.status, titles.get(reply.status, "Error"), detail, reply.headers)
        body = req.json() or {}
        pid = f"standin{next(self._ids):04d}"
        self.predictions[pid] = pred = Prediction(pid, model, body.get("input") or {}, reply)
        self.send_json(h, 201, self._prediction_json(pred))

    def _cancel(self, h, pid: str) -> None:
        pred = self.predictions.get(pid)
        if pred is None:
            return self._problem(h, 404, "Not found", "The requested resource could not be found.")
        pred.canceled.set()
        if pred.status in ("starting", "processing"):
            pred.status = "canceled"
        self.send_json(h, 200, self._prediction_json(pred))

    def _stream(self, h, pid: str) -> None:
        pred = self.predictions.get(pid)
        if pred is None:
            return self._problem(h, 404, "Not found", "The requested resource could not be found.")
        reply, canceled = pred.reply, pred.canceled.is_set
        if reply.stream_status != 200:
            title = "Bad Gateway" if reply.stream_status == 502 else "Error"
            return self._problem(h, reply.stream_status, title, reply.detail or title, reply.headers)
        pred.status = "processing"
        writer, log = self.open_stream(h, len(reply.tokens))
        ids = (f"{int(time.time())}:{i}" for i in itertools.count())

        def end_canceled() -> None:
            writer.write(
                sse_event([("event", "done"), ("id", next(ids)), ("data", '{"reason": "canceled"}')])
            )
            writer.finish()
            log.ended = "canceled"

        if reply.first_delay_s and self.pause(reply.first_delay_s, canceled) and canceled():
            return end_canceled()
        for i, token in enumerate(reply.tokens):
            if i and reply.delay_s:
                self.pause(reply.delay_s, canceled)
            if canceled():
                return end_canceled()
            if not writer.write(sse_event([("event", "output"), ("id", next(ids)), ("data", token)])):
                log.ended = "client went away"
                return
            log.tokens_sent += 1

        log.ended = reply.end
        if reply.end == DONE:
            pred.status = "succeeded"
            writer.write(sse_event([("event", "done"), ("id", next(ids)), ("data", "{}")]))
            writer.finish()
        elif reply.end == RESET:
            writer.reset()
        elif reply.end == STALL:
            self.stall(canceled)
            if canceled():
                end_canceled()
        elif reply.end == MALFORMED:
            # An event type outside Replicate's documented set (output, logs, error, done).
            writer.write(sse_event([("event", "outptu"), ("id", next(ids)), ("data", "garbled")]))
            writer.write(sse_event([("event", "done"), ("id", next(ids)), ("data", "{}")]))
            writer.finish()
        elif reply.end == ERROR_EVENT:
            pred.status = "failed"
            detail = json.dumps({"detail": reply.detail or "Prediction failed."})
            writer.write(sse_event([("event", "error"), ("id", next(ids)), ("data", detail)]))
            writer.write(sse_event([("event", "done"), ("id", next(ids)), ("data", '{"reason": "error"}')]))
            writer.finish()
        else:  # pragma: no cover - a typo in a test script
            raise ValueError(f"unknown end {reply.end!r}")

    # -- JSON bodies ------------------------------------------------------------------------------
    def _prediction_json(self, pred: Prediction) -> dict:
        base = self.base_url
        return {
            "id": pred.id,
            "model": pred.model,
            "version": "hidden",
            "input": pred.input,
            "logs": "",
            "output": None,
            "data_removed": False,
            "error": None,
            "status": pred.status,
            "created_at": "2025-01-01T00:00:00.000Z",
            "urls": {
                "cancel": f"{base}/v1/predictions/{pred.id}/cancel",
                "get": f"{base}/v1/predictions/{pred.id}",
                "stream": f"{base}/v1/streams/{pred.id}",
                "web": f"{base}/p/{pred.id}",
            },
        }

    def _model_json(self, owner: str, name: str) -> dict:
        return {
            "url": f"https://replicate.com/{owner}/{name}",
            "owner": owner,
            "name": name,
            "description": "Stand-in model",
            "visibility": "public",
            "github_url": None,
            "paper_url": None,
            "license_url": None,
            "run_count": 0,
            "cover_image_url": None,
            "default_example": None,
            "latest_version": None,
        }
