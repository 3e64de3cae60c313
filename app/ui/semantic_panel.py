"""Ask your data: the source's semantic model (review, edit, check, save, download, upload, draft
again, describe with the model) and the Verify button that adds an answer to its verified queries."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from backends import BackendError
from backends.data_folder import DataFolderUnwritable
from sql_agent.semantic.draft import describe_with_model, draft_semantic_model, to_yaml
from sql_agent.semantic.edit import add_verified_query, remove_verified_query
from sql_agent.semantic.model import parse_semantic_model
from sql_agent.semantic.store import (
    BUNDLED,
    DRAFT,
    SAVED,
    STORE_FILE,
    SemanticStore,
    SourceModel,
    model_for_source,
)

from .state_database import state_database

ORIGIN_NOTE = {
    SAVED: "Saved for this source. Descriptions, synonyms and verified queries guide every question.",
    BUNDLED: "The sample database's own model. Verifying an answer or saving keeps your own copy.",
    DRAFT: "Drafted from the schema (keys, joins, sample values); not saved yet. Review it and save it.",
}
EDITOR_ROUND = "floe_semantic_editor_round"  # bumps after a save so the editor shows the saved text
NOTICE = "floe_semantic_notice"  # (kind, message) to show once after a rerun


def semantic_store() -> SemanticStore:
    return SemanticStore(state_database(STORE_FILE))


def semantic_for(source, owner: str) -> SourceModel:
    return model_for_source(semantic_store(), owner, source)


def verifier_name(owner: str) -> str:
    """How verified_by records who clicked: an account's address, else the kind of visitor."""
    if owner.startswith("user:"):
        return owner.removeprefix("user:")
    return "local user" if owner == "local" else "visitor"


def _save_and_rerun(owner: str, source, text: str, notice: str) -> None:
    """Save text that passed the checks, then draw the page again with what was saved, or with the
    reason the data folder refused (nothing changed then)."""
    try:
        semantic_store().save(owner, source.key, text)
    except DataFolderUnwritable as err:
        st.session_state[NOTICE] = ("error", err.user_message)
    else:
        st.session_state[NOTICE] = ("success", notice)
        st.session_state[EDITOR_ROUND] = st.session_state.get(EDITOR_ROUND, 0) + 1
    st.rerun()


def _problems_message(problems, lead: str = "The semantic model was not saved:") -> str:
    return lead + "\n\n" + "\n".join(f"- {p}" for p in problems)


def verify_button(turn, source, owner: str, found: SourceModel, read_only: bool) -> None:
    """ "Verify" on a correct answer: its question and SQL join the source's verified queries."""
    answer = turn.answer
    if turn.source and turn.source != source.name:
        return  # asked of another source: its SQL does not belong in this source's model
    # The SQL as written, before the row cap was added: the cap is applied again on every run.
    sql = answer.attempts[-1].sql if answer.attempts and answer.attempts[-1].sql else answer.sql
    if not (answer.ok and answer.question and sql) or answer.verified:
        return
    verified = found.model and any(
        q.question.strip().lower() == answer.question.strip().lower() and q.sql.strip() == sql.strip()
        for q in found.model.verified_queries
    )
    if verified:
        st.caption(":material/verified: You verified this answer: the same question reuses its SQL.")
        return
    if st.button(
        "Verify",
        key=f"ask_data_verify_{turn.id}",
        icon=":material/verified:",
        disabled=read_only or found.model is None,
        help="This answer is right: keep its question and SQL as a verified query of this source. "
        "The same question then runs this SQL, and similar ones see it as an example.",
    ):
        text, name = add_verified_query(found.text, answer.question, sql, verifier_name(owner))
        _save_and_rerun(owner, source, text, f"Verified: `{name}` is now in this source's semantic model.")


def semantic_panel(source, owner: str, found: SourceModel, generate, read_only: bool) -> None:
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        (st.success if notice[0] == "success" else st.error)(notice[1])
    model = found.model
    label = f"Semantic model ({found.origin})"
    with st.expander(label, icon=":material/account_tree:"):
        st.caption(ORIGIN_NOTE[found.origin])
        if found.problems:
            st.warning(_problems_message(found.problems, "The semantic model cannot be used:"))
        if model:
            st.markdown(
                f"{len(model.table_descriptions)} tables, {len(model.relationships)} relationships, "
                f"{len(model.verified_queries)} verified queries"
            )
            _verified_list(source, owner, found, read_only)
        st.download_button(
            "Download YAML",
            found.text,
            f"{model.name if model else 'semantic_model'}.yaml",
            "application/yaml",
        )
        uploaded = st.file_uploader(
            "Upload a semantic model (YAML)",
            type=["yaml", "yml"],
            key=f"semantic_upload_{source.key}",
            disabled=read_only,
        )
        if uploaded is not None and not read_only:
            _upload(source, owner, uploaded)
        if st.toggle("Edit the YAML", key=f"semantic_edit_{source.key}"):
            _editor(source, owner, found, generate, read_only)


def _verified_list(source, owner: str, found: SourceModel, read_only: bool) -> None:
    for k, q in enumerate(found.model.verified_queries):
        when = dt.datetime.fromtimestamp(q.verified_at).strftime("%Y-%m-%d") if q.verified_at else ""
        by = f" by {q.verified_by}" if q.verified_by else ""
        cols = st.columns([5, 1])
        cols[0].markdown(f"**{q.question}**" + (f"  \n:gray[verified{by} {when}]" if by or when else ""))
        if cols[1].button(
            "Remove",
            key=f"semantic_remove_{k}_{q.name}",
            icon=":material/delete:",
            disabled=read_only,
            help="Take this query out of the verified ones",
        ):
            _save_and_rerun(owner, source, remove_verified_query(found.text, q.name), f"Removed `{q.name}`.")


def _upload(source, owner: str, uploaded) -> None:
    marker = f"semantic_uploaded_{source.key}"
    if st.session_state.get(marker) == uploaded.file_id:
        return  # this file was handled on an earlier rerun
    st.session_state[marker] = uploaded.file_id
    try:
        text = uploaded.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        st.session_state[NOTICE] = ("error", f"{uploaded.name} is not UTF-8 text; nothing was changed.")
        st.rerun()
    _, problems = parse_semantic_model(text, source.schema)
    if problems:
        st.session_state[NOTICE] = (
            "error",
            _problems_message(problems, f"The semantic model {uploaded.name} was not saved:"),
        )
        st.rerun()
    _save_and_rerun(owner, source, text, f"{uploaded.name} is now this source's semantic model.")


def _editor(source, owner: str, found: SourceModel, generate, read_only: bool) -> None:
    key = _editor_key(source)
    # A drafted or described text waits in session state under the editor's next key.
    value = None if key in st.session_state else found.text
    text = st.text_area("Semantic model (YAML)", value, key=key, height=420)
    check, save, redraft, describe = st.columns(4)
    if check.button("Check", key="semantic_check", icon=":material/rule:"):
        _, problems = parse_semantic_model(text, source.schema)
        if problems:
            st.error("\n".join(f"- {p}" for p in problems))
        else:
            st.success("No problems: every table, column, join and verified query checks out.")
    if save.button("Save", key="semantic_save", icon=":material/save:", disabled=read_only):
        _, problems = parse_semantic_model(text, source.schema)
        if problems:
            st.error(_problems_message(problems))
        else:
            _save_and_rerun(owner, source, text, "Saved the semantic model.")
    if redraft.button(
        "Draft again",
        key="semantic_redraft",
        icon=":material/restart_alt:",
        help="Put a fresh draft from the database's schema in the editor (not saved until you save it)",
    ):
        _replace_editor_text(source, to_yaml(draft_semantic_model(source.schema, source.name)))
    if describe.button(
        "Describe with the model",
        key="semantic_describe",
        icon=":material/auto_awesome:",
        help="Ask the language model for table and column descriptions and synonyms, one table at a time",
    ):
        draft = draft_semantic_model(source.schema, source.name)
        bar = st.progress(0.0, "Asking the model about each table…")
        try:
            describe_with_model(
                draft,
                generate,
                lambda done, total: bar.progress(done / total, f"Table {done + 1} of {total}…"),
            )
        except BackendError as err:
            st.error(f"{err.user_message} The editor keeps what it had.")
            return
        _replace_editor_text(source, to_yaml(draft))


def _editor_key(source) -> str:
    return f"semantic_yaml_{source.key}_{st.session_state.get(EDITOR_ROUND, 0)}"


def _replace_editor_text(source, text: str) -> None:
    """Show `text` in a fresh editor (a widget's value cannot be set once it has been drawn)."""
    st.session_state[EDITOR_ROUND] = st.session_state.get(EDITOR_ROUND, 0) + 1
    st.session_state[_editor_key(source)] = text
    st.rerun()
