"""Drive a Floe ChatStream the way the Chat page does, and collect what the user would see."""

from __future__ import annotations

from dataclasses import dataclass

from backends import BackendError, ChatParams, ChatStream, Message


@dataclass
class Outcome:
    stream: ChatStream
    shown: str  # the deltas the page displayed, concatenated in order
    deltas: list[str]
    error: BackendError | None


def drive(
    backend, prompt: str = "Say hello.", *, stop_after: int | None = None, max_tokens: int = 64
) -> Outcome:
    """Send one user prompt; with `stop_after`, press Stop after that many deltas were shown."""
    messages = [Message("system", "You are terse."), Message("user", prompt)]
    stream = backend.chat(messages, ChatParams(max_tokens=max_tokens, temperature=0.2, top_p=0.9))
    deltas: list[str] = []
    error = None
    try:
        for delta in stream:
            deltas.append(delta)
            if stop_after is not None and len(deltas) == stop_after:
                stream.cancel()
    except BackendError as exc:
        error = exc
    return Outcome(stream, "".join(deltas), deltas, error)


def assert_secret_absent(error: BaseException | None, *secrets: str) -> None:
    """No configured secret appears anywhere a user or a log could see it."""
    if error is None:
        return
    texts = [str(error), repr(error), getattr(error, "user_message", "")]
    for secret in secrets:
        for text in texts:
            assert secret not in text, f"secret leaked into an error message: {text!r}"
