"""First come, first served access to a model that can run one generation at a time.

Each request takes a ticket and, while it waits, learns how many generations are ahead of it, so a
page can show a visitor their place instead of a frozen spinner. A cancelled wait leaves the line.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

STATUS_EVERY_S = 1.0  # a waiting request hears its place at least this often


class GenerationLine:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._tickets: list[object] = []

    def join(self) -> object:
        ticket = object()
        with self._cond:
            self._tickets.append(ticket)
        return ticket

    def wait_turn(self, ticket: object, cancel: threading.Event) -> Iterator[int]:
        """Yields the number of requests ahead until `ticket` is first in line (or `cancel` is set)."""
        while not cancel.is_set():
            with self._cond:
                if self._tickets[0] is ticket:
                    return
                ahead = self._tickets.index(ticket)
            yield ahead
            with self._cond:
                if self._tickets[0] is not ticket and self._tickets.index(ticket) == ahead:
                    self._cond.wait(timeout=STATUS_EVERY_S)

    def leave(self, ticket: object) -> None:
        """Called when a generation ends, or when a waiting request gives up."""
        with self._cond:
            self._tickets.remove(ticket)
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._tickets)
