"""A backend that adds something around another one's chat calls (usage limits, a safety guard) and
passes everything else through unchanged."""

from __future__ import annotations

from collections.abc import Sequence

from .types import Backend, Message


class WrappedBackend:
    def __init__(self, backend: Backend):
        self.backend = backend
        self.name = backend.name

    def info(self):
        return self.backend.info()

    def health(self):
        return self.backend.health()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self.backend.embed(texts)

    def count_tokens(self, messages: Sequence[Message]) -> tuple[int, bool]:
        return self.backend.count_tokens(messages)

    def warm(self, messages: Sequence[Message]) -> int:
        """Reading a prompt ahead writes nothing and answers no one: it passes through, uncounted."""
        warm = getattr(self.backend, "warm", None)
        return warm(messages) if warm else 0
