"""A loopback reverse proxy shaped like nginx's default in front of an app on 127.0.0.1: every visitor
is forwarded with `Host: localhost` (what `proxy_set_header Host $proxy_host` sends), which is also
what any client may write itself. Used to show that the Host header does not make a visitor local."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from urllib.parse import urlsplit

_HOST_LINE = re.compile(rb"(?im)^Host:[^\r\n]*")


def _pump(src: socket.socket, dst: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)


def _forward(client: socket.socket, upstream: tuple[str, int], host: bytes) -> None:
    with client, contextlib.suppress(OSError), socket.create_connection(upstream) as server:
        head = b""
        while b"\r\n\r\n" not in head:  # the first request's headers (a WebSocket upgrade sends one)
            chunk = client.recv(65536)
            if not chunk:
                return
            head += chunk
        server.sendall(_HOST_LINE.sub(b"Host: " + host, head, count=1))
        back = threading.Thread(target=_pump, args=(server, client), daemon=True)
        back.start()
        _pump(client, server)
        back.join()


@contextlib.contextmanager
def host_rewriting_proxy(app_url: str, host: str = "localhost"):
    """Yield the proxy's URL; each connection to it reaches `app_url` claiming `Host: host`."""
    target = urlsplit(app_url)
    upstream = (target.hostname, target.port)
    listener = socket.create_server(("127.0.0.1", 0))

    def accept() -> None:
        with contextlib.suppress(OSError):  # closed when the block ends
            while True:
                client, _ = listener.accept()
                threading.Thread(target=_forward, args=(client, upstream, host.encode()), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
