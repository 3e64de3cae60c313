"""Who owns the conversations shown in this browser session.

- Logged in (st.login configured): the user's account, on every device.
- A local run (the page is served to localhost): one user, "local".
- Otherwise (a hosted deployment without login): this browser session only, so one visitor
  never sees another's conversations. FLOE_CONVERSATION_SCOPE=local|visitor overrides the guess.
"""

from __future__ import annotations

import uuid

import streamlit as st

from . import state
from .config import floe_config

_LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "0.0.0.0")


def _logged_in_user() -> str | None:
    try:
        if st.user.is_logged_in:
            return str(st.user.get("email") or st.user.get("sub"))
    except Exception:  # authentication not configured
        return None
    return None


def _served_locally() -> bool:
    try:
        host = (st.context.headers.get("Host") or "localhost").split(":")[0]
    except Exception:  # no request context (AppTest): a local run
        return True
    return host in _LOCAL_HOSTS or host.startswith("[::1]")


def conversation_owner() -> str:
    user = _logged_in_user()
    if user:
        return f"user:{user}"
    scope = str(floe_config().get("FLOE_CONVERSATION_SCOPE") or "auto").lower()
    if scope == "local" or (scope == "auto" and _served_locally()):
        return "local"
    if state.VISITOR_ID not in st.session_state:
        st.session_state[state.VISITOR_ID] = uuid.uuid4().hex
    return f"visitor:{st.session_state[state.VISITOR_ID]}"
