"""The shared machinery of the stand-in servers: a loopback ThreadingHTTPServer that records every
request, replays a per-test script of `Reply` values, and writes server-sent events over HTTP/1.1
chunked transfer encoding (as the real services do), with faults injected at the socket level.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# How a streamed reply ends, after its tokens (see Reply.end).
DONE = "done"  # the service's normal end of stream
RESET = "reset"  # TCP reset (RST) mid-stream: the connection drops without an end of stream
STALL = "stall"  # the server keeps the connection open and sends nothing more
MALFORMED = "malformed"  # an event the service's documented format does not allow
ERROR_EVENT = "error"  # the service's own in-stream error event (where it has one)

DEFAULT_TOKENS = ("Snow", "flake", " Arctic", " says", " hello", ",\n", "  indented", " ✓", ".")


@dataclass(frozen=True)
class Reply:
    """What a stand-in does for one model call (one attempt by the client).

    status != 200 answers the call with that HTTP status and `headers` (e.g. Retry-After) and an
    error body; otherwise the answer streams `tokens`, waiting `first_delay_s` before the first and
    `delay_s` between the others, then ends as `end` says.
    """

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    tokens: Sequence[str] = DEFAULT_TOKENS
    first_delay_s: float = 0.0
    delay_s: float = 0.0
    end: str = DONE
    detail: str = ""  # text of an error body or of an in-stream error event
    stream_status: int = 200  # Replicate only: status of the GET on the prediction's stream URL


@dataclass
class Recorded:
    """One request as the stand-in received it."""

    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    at: float  # time.monotonic() when it arrived

    def json(self):
        return json.loads(self.body) if self.body else None


@dataclass
class StreamLog:
    """What the stand-in did on one streamed answer (for Stop and fault assertions)."""

    tokens_total: int
    tokens_sent: int = 0
    client_went_away: bool = False  # a write failed: the client closed its end
    ended: str = ""  # how the stream ended on the server side


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked transfer encoding, like the real APIs
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - keep pytest output clean
        pass

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        req = Recorded(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            at=time.monotonic(),
        )
        self.server.standin.record(req)
        self.server.standin.handle(self, req)

    do_GET = _dispatch
    do_POST = _dispatch

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass  # the socket was reset on purpose


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    standin: StandInServer

    def handle_error(self, request, client_address) -> None:
        pass  # a client hanging up on a stalled or stopped stream is expected here


class SSEWriter:
    """Writes `text/event-stream` over chunked encoding; every event is flushed as it is written."""

    def __init__(self, handler: _Handler, log: StreamLog, extra_headers: Mapping[str, str] = ()):
        self.handler = handler
        self.log = log
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream; charset=utf-8")
        handler.send_header("Cache-Control", "no-cache")
        handler.send_header("Transfer-Encoding", "chunked")
        for k, v in dict(extra_headers).items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.flush()

    def write(self, text: str) -> bool:
        data = text.encode("utf-8")
        try:
            self.handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.handler.wfile.flush()
            return True
        except OSError:
            self.log.client_went_away = True
            self.handler.close_connection = True
            return False

    def finish(self) -> None:
        try:
            self.handler.wfile.write(b"0\r\n\r\n")
            self.handler.wfile.flush()
        except OSError:
            self.log.client_went_away = True
            self.handler.close_connection = True

    def reset(self, delivered_wait_s: float = 0.3) -> None:
        """Abort the TCP connection with RST (SO_LINGER 0), as a dropped proxy or LB would.

        An RST makes the receiver discard data it has not read yet, so first wait a moment for
        the client to read what was sent: the reset then comes after those tokens were delivered.
        """
        time.sleep(delivered_wait_s)
        h = self.handler
        h.close_connection = True
        try:
            h.wfile.flush()
        except OSError:
            pass
        sock = h.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.rfile.close()
        h.wfile.close()
        sock.close()


class StandInServer:
    """Base class: start()/stop(), the request log and the reply script. Subclasses implement
    `handle(handler, request)` with the service's routes."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.streams: list[StreamLog] = []
        self.released = threading.Event()  # set by stop(): stalled streams give up
        self._lock = threading.Lock()
        self._script: deque[Reply] = deque()
        self._then: Reply = Reply()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.standin = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name=type(self).__name__, daemon=True
        )

    # -- lifecycle --------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StandInServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # -- scripting --------------------------------------------------------------------------------
    def script(self, *replies: Reply, then: Reply | None = None) -> None:
        """Replies for the next model calls, in order; `then` answers every call after them."""
        with self._lock:
            self._script = deque(replies)
            if then is not None:
                self._then = then

    def next_reply(self) -> Reply:
        with self._lock:
            return self._script.popleft() if self._script else self._then

    # -- log --------------------------------------------------------------------------------------
    def record(self, req: Recorded) -> None:
        with self._lock:
            self.requests.append(req)

    def requests_to(self, method: str, predicate: Callable[[str], bool] | str) -> list[Recorded]:
        match = predicate if callable(predicate) else (lambda p: p == predicate)
        with self._lock:
            return [r for r in self.requests if r.method == method and match(r.path.split("?")[0])]

    def wait_for(self, condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.02)
        return condition()

    # -- helpers for subclasses -------------------------------------------------------------------
    def handle(self, handler: _Handler, req: Recorded) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def send_json(handler: _Handler, status: int, body: object, headers: Mapping[str, str] = ()) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for k, v in dict(headers).items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(data)
        handler.wfile.flush()

    def open_stream(self, handler: _Handler, n_tokens: int) -> tuple[SSEWriter, StreamLog]:
        log = StreamLog(tokens_total=n_tokens)
        with self._lock:
            self.streams.append(log)
        return SSEWriter(handler, log), log

    def pause(self, seconds: float, interrupt: Callable[[], bool] | None = None) -> bool:
        """Sleep, returning early (True) if the stand-in stops or `interrupt()` becomes true."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if self.released.wait(min(left, 0.01)) or (interrupt and interrupt()):
                return True

    def stall(self, interrupt: Callable[[], bool] | None = None) -> None:
        """Send nothing more until the stand-in stops (at most 30 s) or `interrupt()`."""
        self.pause(30.0, interrupt)


def sse_event(fields: Iterable[tuple[str, str]]) -> str:
    """One SSE event; a value with newlines becomes several `data:` lines, as the spec says."""
    lines = []
    for name, value in fields:
        for part in value.split("\n") if name == "data" else [value]:
            lines.append(f"{name}: {part}")
    return "\n".join(lines) + "\n\n"
