"""Fit a conversation into the model's context window, oldest turns first, never the system prompt."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from backends.types import Message

CountTokens = Callable[[Sequence[Message]], tuple[int, bool]]


@dataclass(frozen=True)
class FittedPrompt:
    messages: list[Message]
    dropped: int  # messages left out, oldest first
    prompt_tokens: int
    exact: bool  # False: counts are estimates (the backend has no tokenizer)
    truncated_last: bool  # the latest message alone was too long and was shortened

    @property
    def notice(self) -> str | None:
        parts = []
        if self.dropped:
            parts.append(f"{self.dropped} older message(s) were left out to fit the model's context window")
        if self.truncated_last:
            parts.append("your message was shortened to fit the context window")
        return "; ".join(parts).capitalize() + "." if parts else None


def fit_to_window(
    system: str | None,
    history: Sequence[Message],
    count_tokens: CountTokens,
    context_window: int,
    reserve_for_answer: int,
) -> FittedPrompt:
    budget = context_window - min(reserve_for_answer, context_window // 2)
    head = [Message("system", system)] if system else []
    kept = list(history)
    dropped = 0

    def count(msgs: list[Message]) -> tuple[int, bool]:
        return count_tokens(head + msgs)

    tokens, exact = count(kept)
    while tokens > budget and len(kept) > 1:
        kept.pop(0)
        dropped += 1
        if kept and kept[0].role == "assistant" and len(kept) > 1:
            kept.pop(0)  # keep turns whole: a history starts with the user
            dropped += 1
        tokens, exact = count(kept)

    truncated = False
    if tokens > budget and kept:
        last = kept[-1]
        content = last.content
        while tokens > budget and len(content) > 20:
            content = content[: int(len(content) * budget / tokens * 0.95)]
            kept[-1] = Message(last.role, content)
            tokens, exact = count(kept)
        truncated = content != last.content
    return FittedPrompt(head + kept, dropped, tokens, exact, truncated)
