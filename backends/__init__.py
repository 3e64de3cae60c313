"""Floe's LLM backends: one protocol for chat and embeddings, one provider per file."""

from .errors import (
    AuthError,
    BackendError,
    BackendTimeout,
    BadResponse,
    NotConfigured,
    RateLimited,
    Unavailable,
    Unsupported,
)
from .registry import PROVIDERS, create_backend, default_backend_name, is_configured, is_installed
from .settings import BackendSettings, load_settings
from .streaming import ChatStream, StreamPolicy, estimate_tokens
from .types import Backend, Capabilities, ChatParams, Health, Message, Usage

__all__ = [
    "AuthError",
    "Backend",
    "BackendError",
    "BackendSettings",
    "BackendTimeout",
    "BadResponse",
    "Capabilities",
    "ChatParams",
    "ChatStream",
    "Health",
    "Message",
    "NotConfigured",
    "PROVIDERS",
    "RateLimited",
    "StreamPolicy",
    "Unavailable",
    "Unsupported",
    "Usage",
    "create_backend",
    "default_backend_name",
    "estimate_tokens",
    "is_configured",
    "is_installed",
    "load_settings",
]
