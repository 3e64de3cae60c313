"""Floe: chat, ask your data, ask your documents. Run with `streamlit run app/streamlit_app.py`."""

import sys
from pathlib import Path

# Streamlit puts app/ on sys.path; Floe's packages live one level up, beside it.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app.ui.state_database import show_store_unreachable, stop_unless_state_database_opens  # noqa: E402
from conversations.database import StoreUnreachable  # noqa: E402

st.set_page_config(page_title="Floe", page_icon=":material/ac_unit:", layout="wide")
stop_unless_state_database_opens()

PAGES = [
    ("views/chat.py", "Chat", ":material/chat:"),
    ("views/ask_data.py", "Ask your data", ":material/table_chart:"),
    ("views/documents.py", "Documents", ":material/description:"),
    ("views/settings.py", "Settings", ":material/settings:"),
]
app_dir = Path(__file__).parent
pages = [
    st.Page(path, title=title, icon=icon, default=i == 0)
    for i, (path, title, icon) in enumerate(PAGES)
    if (app_dir / path).exists()
]
try:
    st.navigation(pages).run()
except StoreUnreachable as err:  # the team database went away while the app was open
    show_store_unreachable(err)
