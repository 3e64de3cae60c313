"""The notice shown on every page while Floe's data folder cannot be written (read-only or full)."""

from __future__ import annotations

import streamlit as st

from backends.data_folder import DataFolderUnwritable, write_problem

from .config import data_dir


def data_folder_notice() -> bool:
    """Show why nothing can be saved right now, if so; True then, and the page disables its saving controls."""
    problem: DataFolderUnwritable | None = write_problem(data_dir())
    if problem:
        st.warning(problem.user_message, icon=":material/folder_off:")
    return problem is not None
