"""Maps a backend name to its provider. Adding a provider: one file and one line in PROVIDERS."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from .errors import NotConfigured
from .settings import BackendSettings
from .types import Backend


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    module: str  # imported lazily: a missing optional SDK only disables that one backend
    settings_field: str


PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in (
        Provider("local", "Embedded (llama.cpp)", "backends.local", "local"),
        Provider(
            "openai_compatible", "OpenAI-compatible server", "backends.openai_compatible", "openai_compatible"
        ),
        Provider("replicate", "Replicate (Snowflake Arctic)", "backends.replicate", "replicate"),
        Provider("cortex", "Snowflake Cortex", "backends.cortex", "cortex"),
    )
}


def provider_settings(name: str, settings: BackendSettings):
    return getattr(settings, PROVIDERS[name].settings_field)


def is_configured(name: str, settings: BackendSettings) -> bool:
    return provider_settings(name, settings).configured


def default_backend_name(settings: BackendSettings) -> str:
    """FLOE_BACKEND when set; else the first remote backend that is configured; else local."""
    if settings.preferred in PROVIDERS:
        return settings.preferred
    for name in PROVIDERS:
        if name != "local" and is_configured(name, settings):
            return name
    return "local"


def create_backend(name: str, settings: BackendSettings, **extra) -> Backend:
    if name not in PROVIDERS:
        raise NotConfigured(f"Unknown backend '{name}'. Known: {', '.join(PROVIDERS)}.")
    cfg = provider_settings(name, settings)
    if not cfg.configured:
        raise NotConfigured(f"The {PROVIDERS[name].label} backend is not configured.")
    try:
        module = importlib.import_module(PROVIDERS[name].module)
    except ImportError as exc:
        raise NotConfigured(
            f"The {PROVIDERS[name].label} backend needs a package that is not installed ({exc.name})."
        ) from None
    return module.create(cfg, settings.policy, **extra)
