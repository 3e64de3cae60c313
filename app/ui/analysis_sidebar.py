"""Sidebar for Ask your data: pick, start, rename, delete and export saved analyses."""

from __future__ import annotations

import streamlit as st

from sql_agent.analyses.export import latest_result_csv, to_markdown
from sql_agent.analyses.store import AnalysisStore

from . import state
from .conversation_sidebar import conversation_store, unique_labels


def analysis_store() -> AnalysisStore:
    return AnalysisStore(conversation_store())


def _new() -> None:
    st.session_state[state.ANALYSIS] = None  # saved when its first question is asked


def _delete(store: AnalysisStore, owner: str, aid: str) -> None:
    store.delete(owner, aid)
    _new()


def _rename(store: AnalysisStore, owner: str, aid: str) -> None:
    store.rename(owner, aid, st.session_state[f"analysis-title-{aid}"])


def _pick(picker_key: str) -> None:
    st.session_state[state.ANALYSIS] = st.session_state[picker_key] or None


def active_analysis(store: AnalysisStore, owner: str, read_only: bool = False) -> str | None:
    """Render the analysis controls; return the id of the analysis to show (None: a new one)."""
    analyses = store.list(owner)
    labels = unique_labels([(a.id, a.title) for a in reversed(analyses)])
    titles = {a.id: labels[a.id] for a in analyses}  # newest first
    if state.ANALYSIS not in st.session_state:  # a new session (a reload): the latest analysis
        st.session_state[state.ANALYSIS] = analyses[0].id if analyses else None
    aid = st.session_state[state.ANALYSIS]
    if aid not in titles:  # deleted, or never saved
        aid = st.session_state[state.ANALYSIS] = None

    sb = st.sidebar
    sb.subheader("Analyses")
    sb.button("New analysis", icon=":material/add:", on_click=_new, width="stretch", key="new-analysis")
    options = ([""] if aid is None else []) + list(titles)
    # The picker's key changes with the titles: a browser keeps showing a keyed widget's old labels.
    picker_key = f"analysis-picker-{hash(tuple(titles.items()))}-{aid is None}"
    sb.selectbox(
        "Analysis",
        options,
        index=options.index(aid or ""),
        format_func=lambda a: titles.get(a, "New analysis (saved when you ask)"),
        key=picker_key,
        on_change=_pick,
        args=(picker_key,),
    )
    if aid is None:
        return None
    analysis = store.get(owner, aid)
    with sb.expander("Manage this analysis"):
        st.text_input(
            "Title",
            value=analysis.title,
            key=f"analysis-title-{aid}",
            on_change=_rename,
            args=(store, owner, aid),
            disabled=read_only,  # the data folder takes no writes right now (its notice says why)
        )
        # Built only when clicked (on Streamlit's download thread), not on every rerun.
        st.download_button(
            "Export Markdown",
            lambda: to_markdown(store.get(owner, aid), store.turns(owner, aid)),
            f"{analysis.title}.md",
            "text/markdown",
        )
        st.download_button(
            "Download latest result (CSV)",
            lambda: latest_result_csv(store.turns(owner, aid)) or "",
            f"{analysis.title}.csv",
            "text/csv",
        )
        st.button(
            "Delete analysis", type="primary", on_click=_delete, args=(store, owner, aid), disabled=read_only
        )
    return aid
