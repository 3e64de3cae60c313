"""How a cited passage looks, on the Documents page and under chat answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, is_dataclass

import streamlit as st


def highlighted(text: str, span: tuple[int, int]) -> str:
    """Markdown of a passage with its supporting sentences highlighted."""

    def esc(s: str) -> str:
        for ch in "\\`*_{}[]()#+-.!|<>~$:":
            s = s.replace(ch, "\\" + ch)
        return s.replace("\n", "  \n")

    start, end = span
    support = esc(text[start:end]).replace("\\[", "(").replace("\\]", ")")
    return f"{esc(text[:start])}:orange-background[{support}]{esc(text[end:])}"


NOT_FOUND_MARK = "not found in your documents"


def checked_answer_markdown(sentences: Iterable[Mapping | object], fallback: str) -> str:
    """An answer sentence by sentence: a sentence no passage backs is greyed and says so, never shown
    as cited. `fallback` (the answer's text) when the answer carries no checked sentences."""
    parts = []
    for s in sentences:
        if s.supported:
            parts.append(s.shown)
        else:
            parts.append(f":gray[{s.text.replace('[', '(').replace(']', ')')} *({NOT_FOUND_MARK})*]")
    return " ".join(parts) if parts else fallback


def where(page: int | None, heading: str | None) -> str:
    return ", ".join(p for p in (f"page {page}" if page else "", heading or "") if p)


def as_dict(citation) -> dict:
    """A rag Citation as plain data, the form kept in a chat message's metadata."""
    return asdict(citation) if is_dataclass(citation) else dict(citation)


def render_citations(citations: Iterable[Mapping | object]) -> None:
    """One expander per numbered source: file, page or heading, and the passage with its support lit."""
    for c in map(as_dict, citations):
        place = where(c.get("page"), c.get("heading"))
        label = f"[{c['n']}] {c['file']}" + (f" — {place}" if place else "")
        with st.expander(label, expanded=False):
            st.markdown(highlighted(c["text"], tuple(c["highlight"])))
