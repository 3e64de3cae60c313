"""Translate HTTP-level failures (status codes, connection faults) into Floe's error values."""

from __future__ import annotations

import email.utils
import time

from .errors import AuthError, BackendError, BadResponse, RateLimited, Unavailable


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds; accepts delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_to_datetime(value) if value else None
    return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def from_status(status: int, service: str, retry_after: str | None = None) -> BackendError:
    if status in (401, 403):
        return AuthError(f"{service} refused the credentials (HTTP {status}).")
    if status == 429:
        return RateLimited(
            f"{service} is rate limiting requests (HTTP 429).", retry_after=parse_retry_after(retry_after)
        )
    if status == 404:
        return BadResponse(f"{service} does not know that model or endpoint (HTTP 404).")
    if status in (408, 409) or status >= 500:
        return Unavailable(f"{service} failed to answer (HTTP {status}).")
    return BadResponse(f"{service} rejected the request (HTTP {status}).")


def connection_failed(service: str, during_stream: bool = False) -> BackendError:
    where = "while streaming the answer" if during_stream else ""
    return Unavailable(f"Lost the connection to {service} {where}".strip() + ".")
