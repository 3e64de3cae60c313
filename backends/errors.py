"""Errors a user can read: one small hierarchy raised at the seam, rendered by pages and the CLI.

SDK exception types never leave a provider file; they are translated into these. Messages are
built by Floe, and every message passes through `scrub` so no key or token can be shown.
"""

from __future__ import annotations

import re

_SECRET_VALUES: set[str] = set()
_SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer|token|api[_-]?key|password|secret)([\"'=: ]+)[^\s\"',;&]+"),
    re.compile(r"\br8_[A-Za-z0-9]{8,}"),  # Replicate tokens
    re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"),  # OpenAI-style keys
    re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"),  # JWTs
]


def register_secret(value: str | None) -> None:
    """Remember a configured secret so that `scrub` removes it wherever it appears."""
    if value and len(value) >= 4:
        _SECRET_VALUES.add(value)


def scrub(text: str) -> str:
    for value in sorted(_SECRET_VALUES, key=len, reverse=True):
        text = text.replace(value, "***")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) + m.group(2) + "***") if m.lastindex else "***", text)
    return text


# What a page shows for a failure nobody foresaw; the traceback goes to the server log only.
UNEXPECTED_ERROR = "Floe hit an unexpected error; the details are in the server log."


class BackendError(Exception):
    """Base class. `user_message` is safe to show; `retryable` says whether trying again may help."""

    retryable = False
    hint = "Check the backend settings and try again."

    def __init__(self, user_message: str, *, retry_after: float | None = None):
        self.user_message = scrub(user_message)
        self.retry_after = retry_after
        super().__init__(self.user_message)

    def __str__(self) -> str:
        return f"{self.user_message} {self.hint}".strip()


class NotConfigured(BackendError):
    hint = "Add the missing setting in Settings, .streamlit/secrets.toml or the environment."


class AuthError(BackendError):
    hint = "Check the API key or token; it was rejected."


class RateLimited(BackendError):
    retryable = True
    hint = "The provider is rate limiting requests; wait a moment and retry."


class Unavailable(BackendError):
    retryable = True
    hint = "The service could not be reached or failed; retry in a moment."


class BackendTimeout(BackendError):
    hint = "The model took too long to answer; retry, or lower max tokens."


class BadResponse(BackendError):
    hint = "The service sent something Floe could not read; retry, or pick another model."


class PromptTooLong(BackendError):
    hint = "Start a new conversation or ask a shorter question; FLOE_LOCAL_CONTEXT sets the embedded model's context."


class Unsupported(BackendError):
    hint = "Pick a backend that offers this."
