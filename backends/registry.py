"""Maps a backend name to its provider. Adding a provider: one file and one line in PROVIDERS."""

from __future__ import annotations

import importlib
import importlib.util
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
    setup: str  # the one thing to do to use it, shown where no backend is set up yet
    requires: tuple[str, ...] = ()  # modules it cannot run without; found, never imported, to check


PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in (
        Provider(
            "local",
            "Embedded (llama.cpp)",
            "backends.local",
            "local",
            "pip install -r requirements-local.txt (a local run; not on Community Cloud)",
            requires=("llama_cpp",),
        ),
        Provider(
            "openai_compatible",
            "OpenAI-compatible server",
            "backends.openai_compatible",
            "openai_compatible",
            "FLOE_OPENAI_BASE_URL (vLLM, Ollama, llama.cpp server, Cortex)",
        ),
        Provider(
            "replicate",
            "Replicate (Snowflake Arctic)",
            "backends.replicate",
            "replicate",
            "REPLICATE_API_TOKEN",
        ),
        Provider(
            "cortex",
            "Snowflake Cortex",
            "backends.cortex",
            "cortex",
            "[connections.snowflake] account, user and password",
        ),
    )
}


def provider_settings(name: str, settings: BackendSettings):
    return getattr(settings, PROVIDERS[name].settings_field)


def is_installed(name: str) -> bool:
    """Whether the modules the provider runs on are installed (found by importlib, not imported)."""
    return all(importlib.util.find_spec(module) is not None for module in PROVIDERS[name].requires)


def is_configured(name: str, settings: BackendSettings) -> bool:
    """Usable: its settings are there and what it runs on is installed."""
    return provider_settings(name, settings).configured and is_installed(name)


def default_backend_name(settings: BackendSettings) -> str | None:
    """FLOE_BACKEND when usable; else the first usable remote backend; else local if installed.

    None when nothing is usable (e.g. Community Cloud with no keys): the app shows how to set one up.
    """
    if settings.preferred in PROVIDERS and is_configured(settings.preferred, settings):
        return settings.preferred
    for name in PROVIDERS:
        if name != "local" and is_configured(name, settings):
            return name
    return "local" if is_configured("local", settings) else None


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
