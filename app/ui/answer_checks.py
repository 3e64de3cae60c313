"""What lets a person check an Ask your data answer: the query read back in words, how sure Floe is
and why, and, when it is unsure, the other readings of the question side by side to choose from."""

from __future__ import annotations

import re
from collections.abc import Callable

import streamlit as st

MARKDOWN_SPECIALS = re.compile(r"([\\`*_$\[\]<>#|~])")


def as_text(words: str) -> str:
    """`words` shown as written by st.markdown (names like unit_price keep their underscores)."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", words)


def show_reading(reading: str) -> None:
    if reading:
        st.markdown(f":material/menu_book: **What the query does:** {as_text(reading)}")


def show_confidence(answer) -> None:
    if answer.confidence == "confident":
        st.badge("Confident", icon=":material/check_circle:", color="green")
    elif answer.confidence == "unsure":
        st.badge("Unsure", icon=":material/help:", color="orange")
    if answer.confidence_why:
        st.caption(answer.confidence_why[:1].upper() + answer.confidence_why[1:] + ".")


def show_alternatives(turn_id: str, answer, choose: Callable[[str], None] | None) -> None:
    """An unsure answer's other readings beside its own: choosing one makes it the answer (a new turn
    with that SQL, which can then be verified). `choose` is None when no source is open."""
    if answer.confidence != "unsure" or not answer.alternatives:
        return
    readings = [
        (answer.reading, answer.result, None),
        *((a.reading, a.result, a.sql) for a in answer.alternatives),
    ]
    st.markdown(f"**Floe read this question {len(readings)} ways.** Which one did you mean?")
    for k, (column, (reading, result, sql)) in enumerate(
        zip(st.columns(len(readings)), readings, strict=True)
    ):
        with column:
            st.caption(as_text(reading) or "(no reading)")
            st.dataframe(result.to_dataframe().head(20), hide_index=True, width="stretch")
            if sql is None:
                st.caption("The answer above.")
            elif st.button(
                "Use this answer",
                key=f"ask_data_alternative_{turn_id}_{k}",
                icon=":material/check:",
                disabled=choose is None,
                help="Make this reading the answer; you can then verify it.",
            ):
                choose(sql)
