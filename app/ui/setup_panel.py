"""What the app shows instead of a chat when no model backend is usable (e.g. a fresh hosted deploy)."""

from __future__ import annotations

import streamlit as st

from backends import PROVIDERS, is_installed


def setup_panel() -> None:
    with st.container(border=True):
        st.subheader("Set up a model to chat with", anchor=False)
        st.markdown(
            "Floe has no model backend it can use here yet. Each one needs one setting, in this "
            "app's secrets (`.streamlit/secrets.toml`, or *Secrets* on Streamlit Community Cloud) "
            "or the environment; the Settings page can also set one for this browser session only."
        )
        lines = []
        for name, provider in PROVIDERS.items():
            missing = "" if is_installed(name) else " (not installed here)"
            lines.append(f"- **{provider.label}**{missing}: `{provider.setup}`")
        st.markdown("\n".join(lines))
        st.page_link("views/settings.py", label="Open Settings", icon=":material/settings:")
        st.caption(
            "Without a model, *Ask your data* still runs its suggested questions and *Documents* "
            "still finds and quotes the passages that answer a question."
        )
