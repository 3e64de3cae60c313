"""Ask your data's one short question when a word of the question points at several measures about
equally: the options as buttons; the choice is kept as a synonym in the source's semantic model (the
save path Verify uses), so the next question with that word is not asked about again."""

from __future__ import annotations

import streamlit as st

from backends.data_folder import DataFolderUnwritable
from sql_agent.semantic.ambiguity import Ambiguity, choose_meaning, find_ambiguity
from sql_agent.semantic.model import match_verified

from . import state
from .semantic_panel import semantic_store


def hold_if_unclear(question: str, schema, semantic) -> None:
    """If a word of `question` points at several measures about equally (and no verified query
    answers it), hold the question until the person says which they mean (see `show_pending`)."""
    if match_verified(question, semantic)[0]:
        return
    found = find_ambiguity(question, schema, semantic)
    if found is not None:
        st.session_state[state.SQL_CLARIFY] = {
            "question": question,
            "term": found.term,
            "options": found.options,
        }
        st.rerun()


def show_pending(read_only: bool) -> None:
    pending = st.session_state.get(state.SQL_CLARIFY)
    if not pending:
        return
    with st.chat_message("user"):
        st.write(pending["question"])
    with st.chat_message("assistant", avatar=":material/help:"):
        found = Ambiguity(pending["term"], tuple(tuple(o) for o in pending["options"]))
        st.markdown(found.question())
        columns = st.columns(len(found.options) + 1)
        for column, option in zip(columns, found.options, strict=False):
            column.button(
                f"{option[0]}.{option[1]}",
                key=f"ask_data_meaning_{option[0]}_{option[1]}",
                on_click=st.session_state.__setitem__,
                args=(state.SQL_MEANING, option),
                disabled=read_only,
            )
        columns[-1].button(
            "Just answer",
            key="ask_data_meaning_none",
            on_click=st.session_state.__setitem__,
            args=(state.SQL_MEANING, ()),
        )


def take_choice(source, owner: str, found_model) -> tuple[str, str] | None:
    """(the question to ask, the person's words) once a meaning was chosen, with the choice saved;
    None while none is."""
    pending = st.session_state.get(state.SQL_CLARIFY)
    chosen = st.session_state.pop(state.SQL_MEANING, None)
    if not pending or chosen is None:
        return None
    st.session_state.pop(state.SQL_CLARIFY, None)
    question = pending["question"]
    if not chosen:
        return question, question
    table, column = chosen
    others = [tuple(o) for o in pending["options"] if tuple(o) != (table, column)]
    if found_model.text:
        try:
            text = choose_meaning(found_model.text, pending["term"], table, column, others)
            semantic_store().save(owner, source.key, text)
        except DataFolderUnwritable:
            pass  # the data folder notice explains; the question is still answered with the choice
    return f"{question} (by “{pending['term']}” I mean {table}.{column})", question
