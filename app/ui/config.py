"""Floe's configuration mapping: environment, then st.secrets, then what the Settings page set.

Secrets may be flat (`REPLICATE_API_TOKEN = "..."`), in a `[backends]` table, or, for Snowflake,
in `[connections.snowflake]` as `st.connection("snowflake")` reads them.
"""

from __future__ import annotations

import os

import streamlit as st

from . import state

_SNOWFLAKE_KEYS = {
    "account": "SNOWFLAKE_ACCOUNT",
    "user": "SNOWFLAKE_USER",
    "password": "SNOWFLAKE_PASSWORD",
    "warehouse": "SNOWFLAKE_WAREHOUSE",
    "role": "SNOWFLAKE_ROLE",
    "private_key_file": "SNOWFLAKE_PRIVATE_KEY_FILE",
    "token": "SNOWFLAKE_PAT",
}


def _raw_secrets() -> dict:
    """st.secrets as a dict; empty when there is no secrets.toml (a normal local run)."""
    try:
        return st.secrets.to_dict()
    except Exception:
        return {}


def snowflake_connection_secrets() -> dict[str, object]:
    """The `[connections.snowflake]` table, as st.connection("snowflake") reads it; may be empty."""
    return dict(_raw_secrets().get("connections", {}).get("snowflake", {}))


def floe_connection_secrets() -> dict[str, object]:
    """The `[connections.floe]` table (Floe's own database, as st.connection("floe", type="sql") reads it)."""
    return dict(_raw_secrets().get("connections", {}).get("floe", {}))


def _secrets() -> dict[str, object]:
    raw = _raw_secrets()
    flat: dict[str, object] = {k.upper(): v for k, v in raw.items() if not isinstance(v, dict)}
    flat.update({k.upper(): v for k, v in raw.get("backends", {}).items()})
    snowflake = raw.get("connections", {}).get("snowflake", {})
    flat.update({env: snowflake[key] for key, env in _SNOWFLAKE_KEYS.items() if key in snowflake})
    return flat


def deployment_config() -> dict[str, object]:
    """What whoever runs the app set (environment, then secrets); nothing a visitor can type or send."""
    cfg: dict[str, object] = dict(os.environ)
    cfg.update(_secrets())
    return cfg


# Settings a visitor may not choose on a shared deployment: the server would send requests (and any
# key typed beside them) to whatever address a visitor wrote, internal ones included.
SERVER_ADDRESS_KEYS = ("FLOE_OPENAI_BASE_URL",)


def declared_local_run() -> bool:
    """True only when whoever runs the app declared it a one-user local run."""
    return str(deployment_config().get("FLOE_CONVERSATION_SCOPE") or "").strip().lower() == "local"


def floe_config() -> dict[str, object]:
    cfg = deployment_config()
    local = declared_local_run()
    cfg.update(
        {
            k: v
            for k, v in st.session_state.get(state.OVERRIDES, {}).items()
            if v not in (None, "") and (local or k not in SERVER_ADDRESS_KEYS)
        }
    )
    return cfg


def data_dir() -> str:
    return str(floe_config().get("FLOE_DATA_DIR") or os.path.join(os.path.expanduser("~"), ".floe"))


def upload_limit_bytes() -> int:
    """The one upload limit, Streamlit's `server.maxUploadSize` (MB): the uploaders refuse larger files
    in the browser and show it ("Limit N MB per file"); rag and sql_agent refuse them again."""
    return int(st.get_option("server.maxUploadSize")) * 2**20
