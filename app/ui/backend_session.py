"""The backend the user picked in the sidebar, created once per settings and shared by the pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from backends import (
    PROVIDERS,
    Backend,
    BackendError,
    BackendSettings,
    ChatParams,
    NotConfigured,
    create_backend,
    default_backend_name,
    is_configured,
    load_settings,
)
from backends.guard import Guard, GuardedBackend, GuardSettings, create_guard, load_guard_settings
from backends.local import model_file, model_needing_preparation
from backends.model_catalog import CATALOG
from backends.text_generator import TextGenerator
from conversations import LimitedBackend, UsageLedger, UsageLimits
from conversations.limits import plural

from . import state
from .config import deployment_config, floe_config
from .owner import conversation_owner
from .state_database import CONVERSATIONS_FILE, state_database


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
    """Assemble and verify a catalog model's file once, with a progress bar (about 10 s for the 1.1 GB model)."""
    model = model_needing_preparation(settings.local)
    if model is None:
        return
    bar = st.progress(0.0, text=f"Preparing {model.label} (first start only)…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Preparing {model.label}: {done / 1e9:.2f} of {total / 1e9:.2f} GB")

    try:
        model_file(settings.local, progress)
    finally:
        bar.empty()


def current_backend_name(settings: BackendSettings | None = None) -> str | None:
    """The sidebar's choice if usable, else the default; None when no backend is set up."""
    settings = settings or current_settings()
    name = st.session_state.get(state.BACKEND)
    if name not in PROVIDERS or not is_configured(name, settings):
        name = default_backend_name(settings)
    return name


def usage_limits() -> UsageLimits:
    """The deployment's per-visitor limits (secrets or environment; the Settings page cannot change them)."""
    return UsageLimits.from_config(deployment_config())


def usage_ledger() -> UsageLedger:
    return UsageLedger(state_database(CONVERSATIONS_FILE))


@st.cache_resource(show_spinner=False, max_entries=4)
def _guard(guard: GuardSettings, settings: BackendSettings) -> Guard:
    return create_guard(guard, settings)


def current_backend(settings: BackendSettings | None = None) -> Backend:
    """The chosen backend, behind the deployment's safety guard if it sets one, counted against this
    visitor's limits if it sets any (a refused prompt counts as a call but spends no tokens).

    Raises BackendError (with a user-facing message) if it cannot start or none is set up.
    """
    settings = settings or current_settings()
    name = current_backend_name(settings)
    if name is None:
        raise NotConfigured("No model backend is set up yet.")
    backend = _backend(name, settings)
    if guard := load_guard_settings(deployment_config()):  # the deployment's choice, never a visitor's
        backend = GuardedBackend(backend, _guard(guard, settings), guard, settings.policy)
    limits = usage_limits()
    if not limits.active:
        return backend
    return LimitedBackend(backend, usage_ledger(), conversation_owner(), limits)


def prompt_reader() -> Callable[[], Backend] | None:
    """A way to the embedded model that works off the page's thread (for reading a prompt ahead), when
    the chosen backend is the embedded one and its model file is ready; None otherwise: a hosted model
    is billed or rate-limited per call, and a model still to be assembled shows its progress on the
    first question instead."""
    settings = current_settings()
    if current_backend_name(settings) != "local" or model_needing_preparation(settings.local):
        return None
    return lambda: create_backend("local", settings)


def current_model() -> str | None:
    return st.session_state.get(state.MODEL) or None


def model_generator(max_tokens: int = 320, on_queue=None) -> TextGenerator:
    """Whole, deterministic replies from the chosen backend (Ask your data, the semantic model's
    describer), through the adapter the CLI and the evaluation harness use too, so every option the
    SQL agent passes reaches the backend the same way. The backend is resolved on the first request:
    a question a verified query answers needs none."""
    params = ChatParams(current_model(), temperature=0.0, max_tokens=max_tokens)
    return TextGenerator(current_backend, params, on_queue)


def backend_sidebar() -> None:
    """Backend and model pickers, shown on every page."""
    settings = current_settings()
    names = [n for n in PROVIDERS if is_configured(n, settings)]
    current = current_backend_name(settings)
    if current is None:
        st.sidebar.info("No model backend is set up yet.", icon=":material/info:")
        st.sidebar.page_link("views/settings.py", label="Set one up", icon=":material/settings:")
        return
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
    _allowance_caption()


def _allowance_caption() -> None:
    """What this visitor has left of the demo's limits, so a limit never comes as a surprise."""
    try:
        limits = usage_limits()
    except NotConfigured as err:
        st.sidebar.error(err.user_message)
        return
    if not limits.active:
        return
    left = usage_ledger().allowance(conversation_owner(), limits)
    parts = []
    if left.messages_left is not None:
        parts.append(f"{plural(left.messages_left, 'message')} left this hour")
    if left.tokens_left is not None:
        parts.append(f"{plural(left.tokens_left, 'token')} left today")
    if left.max_tokens_per_answer is not None:
        parts.append(f"answers up to {plural(left.max_tokens_per_answer, 'token')}")
    st.sidebar.caption("Demo limits: " + " · ".join(parts))


@st.cache_data(ttl=120, show_spinner=False)
def _listed_models(name: str, settings: BackendSettings) -> list[str]:
    """The models a backend offers (an OpenAI-compatible server's /v1/models), refreshed every 2 minutes."""
    try:
        return list(_backend(name, settings).health().models)
    except BackendError:
        return []
