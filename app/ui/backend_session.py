"""The backend the user picked in the sidebar, created once per settings and shared by the pages."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from backends import (
    PROVIDERS,
    Backend,
    BackendError,
    BackendSettings,
    create_backend,
    default_backend_name,
    is_configured,
    load_settings,
)
from backends.local import chosen_model, model_file
from backends.model_catalog import CATALOG
from backends.model_files import needs_work

from . import state
from .config import floe_config


def current_settings() -> BackendSettings:
    settings = load_settings(floe_config())
    chosen = st.session_state.get(state.MODEL)
    if chosen in CATALOG:  # a named embedded model picked in the sidebar
        settings = replace(settings, local=replace(settings.local, model=chosen))
    return settings


def _streamlit_snowflake_connection():
    """st.connection("snowflake"): secrets' [connections.snowflake], or the session in Streamlit in Snowflake."""
    return st.connection("snowflake").raw_connection


@st.cache_resource(show_spinner="Loading the model…", max_entries=8)
def _cached_backend(name: str, settings: BackendSettings) -> Backend:
    if name == "cortex" and settings.cortex.connection == "streamlit":
        return create_backend(name, settings, connection_factory=_streamlit_snowflake_connection)
    return create_backend(name, settings)


def _backend(name: str, settings: BackendSettings) -> Backend:
    if name == "local":  # outside the cached function, so the progress bar is never replayed
        _prepare_local_model(settings)
    return _cached_backend(name, settings)


def _prepare_local_model(settings: BackendSettings) -> None:
    """Assemble and verify a catalog model's file once, with a progress bar (about a minute for 1.1 GB)."""
    model = chosen_model(settings.local)
    if model is None or not needs_work(model, settings.local.data_dir):
        return
    bar = st.progress(0.0, text=f"Preparing {model.label} (first start only)…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Preparing {model.label}: {done / 1e9:.2f} of {total / 1e9:.2f} GB")

    try:
        model_file(settings.local, progress)
    finally:
        bar.empty()


def current_backend_name(settings: BackendSettings | None = None) -> str:
    settings = settings or current_settings()
    name = st.session_state.get(state.BACKEND)
    if name not in PROVIDERS or not is_configured(name, settings):
        name = default_backend_name(settings)
    return name


def current_backend(settings: BackendSettings | None = None) -> Backend:
    """The chosen backend; raises BackendError (with a user-facing message) if it cannot start."""
    settings = settings or current_settings()
    return _backend(current_backend_name(settings), settings)


def current_model() -> str | None:
    return st.session_state.get(state.MODEL) or None


def backend_sidebar() -> None:
    """Backend and model pickers, shown on every page."""
    settings = current_settings()
    names = [n for n in PROVIDERS if is_configured(n, settings)]
    current = current_backend_name(settings)
    st.sidebar.selectbox(
        "Backend",
        names,
        index=names.index(current),
        format_func=lambda n: PROVIDERS[n].label,
        key=state.BACKEND,
        help="Configure more backends on the Settings page or in .streamlit/secrets.toml.",
    )
    try:
        backend = _backend(current, settings)
    except BackendError as err:
        st.sidebar.error(err.user_message)
        return
    models = _listed_models(current, settings)
    if len(models) > 1:
        if st.session_state.get(state.MODEL) not in models:
            st.session_state[state.MODEL] = models[0]
        st.sidebar.selectbox("Model", models, key=state.MODEL)
    else:
        default = models[0] if models else backend.info().default_model
        st.sidebar.text_input("Model", key=state.MODEL, placeholder=default or "backend default")
    if description := backend.info().description:
        st.sidebar.caption(description)


@st.cache_data(ttl=120, show_spinner=False)
def _listed_models(name: str, settings: BackendSettings) -> list[str]:
    """The models a backend offers (an OpenAI-compatible server's /v1/models), refreshed every 2 minutes."""
    try:
        return list(_backend(name, settings).health().models)
    except BackendError:
        return []
