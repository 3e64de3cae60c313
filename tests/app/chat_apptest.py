"""Helpers for driving the real app script with Streamlit's AppTest."""

from __future__ import annotations

import streamlit as st
from streamlit.testing.v1 import AppTest

from app.ui import state
from tests.conftest import ROOT

ENTRY = str(ROOT / "app" / "streamlit_app.py")


def fresh_app() -> AppTest:
    """A new browser session on the same data folder: nothing carried over in memory."""
    st.cache_resource.clear()
    at = AppTest.from_file(ENTRY, default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


def send(at: AppTest, text: str) -> AppTest:
    at.chat_input[0].set_value(text).run()
    assert not at.exception, at.exception
    return at


def transcript(at: AppTest) -> list[tuple[str, str]]:
    """(role, text) of every chat message on the page."""
    out = []
    for msg in at.chat_message:
        text = " ".join(m.value for m in msg.markdown)
        out.append((msg.name, text))
    return out


def captions(at: AppTest) -> str:
    return " | ".join(c.value for c in at.caption)


def pick_backend(at: AppTest, name: str) -> AppTest:
    at.selectbox(key=state.BACKEND).set_value(name).run()
    return at


def conversation_picker(at: AppTest):
    return next(sb for sb in at.sidebar.selectbox if sb.label == "Conversation")
