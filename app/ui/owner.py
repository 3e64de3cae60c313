"""Who owns the conversations and documents shown in this browser session.

- Logged in (st.login configured): the user's account, on every device.
- FLOE_CONVERSATION_SCOPE=local in the environment or secrets: one user, "local" (a laptop run).
- Otherwise: this browser session only, so one visitor never sees another's conversations.

Nothing a request carries decides this: a Host header is the visitor's to write, and behind a
reverse proxy every visitor arrives from loopback, so neither proves that the visitor is local.
"""

from __future__ import annotations

import uuid

import streamlit as st

from . import state
from .config import declared_local_run


def _logged_in_user() -> str | None:
    try:
        if st.user.is_logged_in:
            return str(st.user.get("email") or st.user.get("sub"))
    except Exception:  # authentication not configured
        return None
    return None


def single_local_user() -> bool:
    """True only when whoever runs the app declared it a one-user local run."""
    return declared_local_run()


def conversation_owner() -> str:
    user = _logged_in_user()
    if user:
        return f"user:{user}"
    if single_local_user():
        return "local"
    if state.VISITOR_ID not in st.session_state:
        st.session_state[state.VISITOR_ID] = uuid.uuid4().hex
    return f"visitor:{st.session_state[state.VISITOR_ID]}"
