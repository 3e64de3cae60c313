"""Backend settings: one frozen dataclass per provider, read from a plain mapping at the edge.

The app flattens `st.secrets` and the sidebar into a mapping; the CLI passes `os.environ`.
Keys are the environment-variable names below, also accepted in lower case inside a
`[backends]` table of secrets.toml (see .streamlit/secrets.toml.example).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import register_secret
from .streaming import StreamPolicy


def _get(cfg: Mapping[str, object], key: str, default: str | None = None) -> str | None:
    value = cfg.get(key, cfg.get(key.lower()))
    if value is None or value == "":
        return default
    return str(value)


def _float(cfg: Mapping[str, object], key: str, default: float) -> float:
    value = _get(cfg, key)
    return float(value) if value is not None else default


@dataclass(frozen=True)
class LocalSettings:
    model: str | None = None  # a catalog name or a GGUF path; None: the first installed catalog model
    context_window: int = 4096
    threads: int | None = None
    data_dir: str = os.path.join(os.path.expanduser("~"), ".floe")  # assembled models go to data_dir/models

    @property
    def configured(self) -> bool:
        """A model is named, or a catalog model's packages are installed (found, never imported)."""
        from .model_catalog import CATALOG
        from .model_files import is_installed

        return bool(self.model) or any(is_installed(m) for m in CATALOG.values())


@dataclass(frozen=True)
class OpenAICompatibleSettings:
    base_url: str | None = None
    api_key: str | None = None
    model: str | None = None  # None: the first model the server lists
    embedding_model: str | None = None
    context_window: int = 8192

    @property
    def configured(self) -> bool:
        return bool(self.base_url)


@dataclass(frozen=True)
class ReplicateSettings:
    api_token: str | None = None
    model: str = "snowflake/snowflake-arctic-instruct"
    base_url: str | None = None  # None: Replicate's public API
    context_window: int = 4096

    @property
    def configured(self) -> bool:
        return bool(self.api_token)


@dataclass(frozen=True)
class CortexSettings:
    account: str | None = None
    user: str | None = None
    password: str | None = None
    pat: str | None = None  # programmatic access token, for the REST path
    private_key_file: str | None = None  # key-pair auth, for the REST path and the connector
    warehouse: str | None = None
    role: str | None = None
    model: str = "snowflake-arctic"
    mode: str = "sql"  # "sql": COMPLETE through the connector; "rest": streaming REST API
    base_url: str | None = None  # None: https://<account>.snowflakecomputing.com
    context_window: int = 4096
    embedding_model: str = "snowflake-arctic-embed-m-v1.5"
    # "streamlit": the app hands over st.connection("snowflake") (also inside Streamlit in Snowflake)
    connection: str | None = None
    guardrails: bool = False  # Cortex Guard screens every answer (FLOE_GUARD=cortex; backends/guard.py)

    @property
    def configured(self) -> bool:
        if self.mode != "rest" and self.connection == "streamlit":
            return True
        if self.mode == "rest":
            return bool(self.account and (self.pat or (self.user and self.private_key_file)))
        return bool(self.account and self.user and (self.password or self.private_key_file))

    @property
    def rest_url(self) -> str:
        return (self.base_url or f"https://{self.account}.snowflakecomputing.com").rstrip("/")


@dataclass(frozen=True)
class BackendSettings:
    preferred: str | None
    local: LocalSettings
    openai_compatible: OpenAICompatibleSettings
    replicate: ReplicateSettings
    cortex: CortexSettings
    policy: StreamPolicy


def load_settings(cfg: Mapping[str, object] | None = None) -> BackendSettings:
    """Build every provider's settings from one flat mapping (defaults to the environment)."""
    cfg = os.environ if cfg is None else cfg
    settings = BackendSettings(
        preferred=_get(cfg, "FLOE_BACKEND"),
        local=LocalSettings(
            model=_get(cfg, "FLOE_LOCAL_MODEL"),
            context_window=int(_float(cfg, "FLOE_LOCAL_CONTEXT", 4096)),
            threads=int(t) if (t := _get(cfg, "FLOE_LOCAL_THREADS")) else None,
            data_dir=_get(cfg, "FLOE_DATA_DIR", LocalSettings.data_dir),
        ),
        openai_compatible=OpenAICompatibleSettings(
            base_url=_get(cfg, "FLOE_OPENAI_BASE_URL", _get(cfg, "OPENAI_BASE_URL")),
            api_key=_get(cfg, "FLOE_OPENAI_API_KEY", _get(cfg, "OPENAI_API_KEY")),
            model=_get(cfg, "FLOE_OPENAI_MODEL"),
            embedding_model=_get(cfg, "FLOE_OPENAI_EMBEDDING_MODEL"),
            context_window=int(_float(cfg, "FLOE_OPENAI_CONTEXT", 8192)),
        ),
        replicate=ReplicateSettings(
            api_token=_get(cfg, "REPLICATE_API_TOKEN"),
            model=_get(cfg, "FLOE_REPLICATE_MODEL", "snowflake/snowflake-arctic-instruct"),
            base_url=_get(cfg, "FLOE_REPLICATE_BASE_URL"),
        ),
        cortex=CortexSettings(
            account=_get(cfg, "SNOWFLAKE_ACCOUNT"),
            user=_get(cfg, "SNOWFLAKE_USER"),
            password=_get(cfg, "SNOWFLAKE_PASSWORD"),
            pat=_get(cfg, "SNOWFLAKE_PAT"),
            private_key_file=_get(cfg, "SNOWFLAKE_PRIVATE_KEY_FILE"),
            warehouse=_get(cfg, "SNOWFLAKE_WAREHOUSE"),
            role=_get(cfg, "SNOWFLAKE_ROLE"),
            model=_get(cfg, "FLOE_CORTEX_MODEL", "snowflake-arctic"),
            mode=_get(cfg, "FLOE_CORTEX_MODE", "sql"),
            base_url=_get(cfg, "FLOE_CORTEX_BASE_URL"),
            connection=_get(cfg, "FLOE_CORTEX_CONNECTION"),
            guardrails=(_get(cfg, "FLOE_GUARD") or "").strip().lower() == "cortex",
        ),
        policy=StreamPolicy(
            connect_timeout_s=_float(cfg, "FLOE_CONNECT_TIMEOUT", 10.0),
            first_token_timeout_s=_float(cfg, "FLOE_FIRST_TOKEN_TIMEOUT", 120.0),
            idle_timeout_s=_float(cfg, "FLOE_IDLE_TIMEOUT", 60.0),
            max_attempts=int(_float(cfg, "FLOE_MAX_ATTEMPTS", 3)),
        ),
    )
    for secret in (
        settings.openai_compatible.api_key,
        settings.replicate.api_token,
        settings.cortex.password,
        settings.cortex.pat,
    ):
        register_secret(secret)
    return settings
