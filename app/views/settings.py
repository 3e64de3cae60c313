"""Settings: configure backends for this session and see which ones work.

Values typed here live in this browser session only; they are never written to disk or shown
again. Permanent settings belong in .streamlit/secrets.toml or the environment.
"""

import streamlit as st

from app.ui import state
from app.ui.backend_session import current_settings
from app.ui.config import SERVER_ADDRESS_KEYS, declared_local_run
from app.ui.data_folder import data_folder_notice
from backends import PROVIDERS, BackendError, create_backend, is_configured, is_installed

FIELDS = {
    "openai_compatible": [
        ("FLOE_OPENAI_BASE_URL", "Base URL (e.g. http://localhost:8000/v1)", False),
        ("FLOE_OPENAI_API_KEY", "API key", True),
        ("FLOE_OPENAI_MODEL", "Model (blank: the first one the server lists)", False),
    ],
    "replicate": [
        ("REPLICATE_API_TOKEN", "API token", True),
        ("FLOE_REPLICATE_MODEL", "Model", False),
    ],
    "cortex": [
        ("SNOWFLAKE_ACCOUNT", "Account identifier", False),
        ("SNOWFLAKE_USER", "User", False),
        ("SNOWFLAKE_PASSWORD", "Password (SQL mode)", True),
        ("SNOWFLAKE_PAT", "Programmatic access token (REST mode)", True),
        ("SNOWFLAKE_WAREHOUSE", "Warehouse", False),
        ("FLOE_CORTEX_MODE", "Mode: sql or rest", False),
        ("FLOE_CORTEX_MODEL", "Model", False),
    ],
}

data_folder_notice()
st.title("Settings")
st.caption("Values entered here apply to this browser session only and are never displayed again.")
overrides = st.session_state.setdefault(state.OVERRIDES, {})
# Fresh widget keys after each save: typed secrets then leave the browser session's widget state.
form_round = st.session_state.setdefault(state.SETTINGS_FORM_ROUND, 0)

local_run = declared_local_run()
for name, fields in FIELDS.items():
    with st.expander(PROVIDERS[name].label), st.form(f"form-{name}"):
        values = {}
        if not local_run and any(key in SERVER_ADDRESS_KEYS for key, _, _ in fields):
            st.caption("On this deployment the server's address comes from its secrets, not from visitors.")
        for key, label, secret in fields:
            if key in SERVER_ADDRESS_KEYS and not local_run:
                continue
            placeholder = "set (hidden)" if secret and overrides.get(key) else ""
            values[key] = st.text_input(
                label,
                value="" if secret else overrides.get(key, ""),
                type="password" if secret else "default",
                placeholder=placeholder,
                key=f"setting-{key}-{form_round}",
            )
        if st.form_submit_button("Save for this session"):
            overrides.update({k: v for k, v in values.items() if v})
            st.session_state[state.SETTINGS_FORM_ROUND] = form_round + 1
            st.rerun()

st.subheader("Backends")
settings = current_settings()
rows = []
for name, provider in PROVIDERS.items():
    if not is_configured(name, settings):
        status = "not configured" if is_installed(name) else "not installed"
        rows.append({"backend": provider.label, "status": status, "detail": f"needs {provider.setup}"})
        continue
    try:
        health = create_backend(name, settings).health()
        rows.append(
            {
                "backend": provider.label,
                "status": "healthy" if health.ok else "unhealthy",
                "detail": health.detail,
            }
        )
    except BackendError as err:
        rows.append({"backend": provider.label, "status": "unavailable", "detail": err.user_message})
st.dataframe(rows, hide_index=True, width="stretch")
