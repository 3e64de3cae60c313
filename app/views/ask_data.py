"""Ask your data: pick a source, ask in plain language, see the SQL, the table, a chart and an answer.

Every turn is saved as part of an analysis (sql_agent/analysis_store.py) and shown from there."""

import threading

import streamlit as st

from app.ui import state
from app.ui.analysis_sidebar import active_analysis, analysis_store
from app.ui.answer_checks import show_alternatives, show_confidence, show_reading
from app.ui.backend_session import backend_sidebar, current_model, model_generator, prompt_reader
from app.ui.chat_view import feedback_controls, queue_place_reporter
from app.ui.clarify import hold_if_unclear, show_pending, take_choice
from app.ui.config import deployment_config, snowflake_connection_secrets, upload_limit_bytes
from app.ui.data_folder import data_folder_notice
from app.ui.errors import log_unexpected
from app.ui.owner import conversation_owner, single_local_user
from app.ui.semantic_panel import semantic_for, semantic_panel, verify_button
from backends import BackendError
from backends.data_folder import DataFolderUnwritable
from backends.text_generator import TextGenerator
from sql_agent.analyses.store import SavedTurn, follow_up_context
from sql_agent.answers.summary import timing_line
from sql_agent.execution.sample_db import ensure_sample_db
from sql_agent.execution.sandbox import DatabaseError, SandboxLimits
from sql_agent.execution.sources import SAMPLE as SAMPLE_KEY
from sql_agent.execution.sources import DuckDBSource
from sql_agent.execution.uploads import load_uploads
from sql_agent.generation import SqlAgent, failed_answer
from sql_agent.generation.warming import warm_in_background
from sql_agent.grounding import IndexBuilder, source_fingerprint
from sql_agent.safety.file_access import FILES_OFF, FileRefused, allowed_duckdb_file
from sql_agent.semantic.model import described_schema

SAMPLE, DUCKDB_FILE, UPLOAD, SNOWFLAKE = (
    "Sample retail database",
    "DuckDB file",
    "Upload CSV/Parquet",
    "Snowflake",
)


@st.cache_resource(show_spinner="Building the sample database…")
def sample_source() -> DuckDBSource:
    return DuckDBSource(ensure_sample_db(), SandboxLimits(), name=SAMPLE, key=SAMPLE_KEY)


@st.cache_resource(show_spinner="Opening the database…", max_entries=8)
def duckdb_source(path: str, name: str | None = None, key: str | None = None) -> DuckDBSource:
    return DuckDBSource(path, SandboxLimits(), name=name, key=key)


@st.cache_resource(show_spinner="Connecting to Snowflake…", max_entries=2)
def snowflake_source():
    from sql_agent.execution.snowflake_source import SnowflakeSource

    return SnowflakeSource.from_environment(secrets=snowflake_connection_secrets())


def pick_source():
    kind = st.sidebar.radio(
        "Data source", [SAMPLE, DUCKDB_FILE, UPLOAD, SNOWFLAKE], key=state.SQL_SOURCE_KIND
    )
    if kind == SAMPLE:
        return sample_source()
    if kind == DUCKDB_FILE:
        folder, local_run = deployment_config().get("FLOE_DUCKDB_DIR"), single_local_user()
        if not (folder or local_run):
            raise FileRefused(FILES_OFF)
        label = "File name, in the folder this app allows" if folder else "Path to a .duckdb file"
        typed = st.sidebar.text_input(label)
        if not typed:
            return None
        return duckdb_source(str(allowed_duckdb_file(typed, folder, local_run)))
    if kind == UPLOAD:
        files = st.sidebar.file_uploader(
            "CSV or Parquet files", type=["csv", "tsv", "parquet"], accept_multiple_files=True
        )
        if not files:
            return None
        path = load_uploads([(f.name, f.getvalue()) for f in files], max_bytes=upload_limit_bytes())
        names = sorted(f.name for f in files)  # the name for saved turns; the key for the semantic model
        return duckdb_source(str(path), ", ".join(names), "uploads:" + "|".join(names))
    return snowflake_source()


@st.cache_resource(max_entries=8, show_spinner=False)
def value_index(key: str, fingerprint: str, _source) -> IndexBuilder:
    """The source's text values, indexed in the background (no question waits); rebuilt when the
    source's data changes."""
    return IndexBuilder(_source)


@st.cache_resource(max_entries=8, show_spinner=False)
def schema_read_ahead(
    key: str, fingerprint: str, model: str, _source, _semantic, _reader
) -> threading.Thread:
    """Once per source and model in this process: the model reads the schema while the page is read."""
    return warm_in_background(SqlAgent(_source, TextGenerator(_reader), _semantic))


def show_schema(source, semantic, values: IndexBuilder) -> None:
    schema = described_schema(source.schema, semantic)  # the descriptions the prompt sees too
    with st.expander(f"Schema: {len(schema.tables)} tables", icon=":material/schema:"):
        if values.index is not None:
            st.caption(f":material/join_inner: Values: {values.index.describe()}.")
        else:
            st.caption(
                f":material/join_inner: Values: {values.error or 'being indexed; questions go on without them'}."
            )
        for table in schema.tables:
            st.markdown(f"**{table.name}** {table.comment}")
            st.dataframe(
                [
                    {"column": c.name, "type": c.type, "about": c.comment, "examples": ", ".join(c.samples)}
                    for c in table.columns
                ],
                hide_index=True,
                width="stretch",
            )


def show_turn(turn: SavedTurn, agent: SqlAgent | None, source_name: str) -> None:
    answer = turn.answer
    with st.chat_message("user"):
        st.write(answer.question or "(SQL written by hand)")
    with st.chat_message("assistant", avatar=":material/table_chart:"):
        if answer.verified:
            st.caption(":material/verified: Verified query from the semantic model")
        if answer.matches:
            st.caption(":material/join_inner: Matched: " + "; ".join(answer.matches))
        if turn.source and turn.source != source_name:
            st.caption(f":material/database: Asked of {turn.source}; Re-run uses the source chosen now.")
        with st.expander(f"Attempts: {len(answer.attempts)}", expanded=not answer.ok):
            for a in answer.attempts:
                st.markdown(f"**Attempt {a.number}**: {a.outcome}" + (f": {a.message}" if a.message else ""))
                if a.sql:
                    st.code(a.sql, language="sql")
            for note in answer.trace:  # what the backend left out of the calls (a seed it cannot take)
                st.caption(f":material/info: {note}")
        edited = st.text_area(
            "SQL (edit and re-run)", answer.sql or "", key=f"ask_data_sql_{turn.id}", height=140
        )
        if st.button(
            "Re-run",
            key=f"ask_data_rerun_{turn.id}",
            icon=":material/play_arrow:",
            disabled=agent is None,
            help="Run this SQL on the data source again; the result is added below.",
        ):
            save_turn(agent.run_sql(edited, answer.question))
            st.rerun()
        if not answer.ok:
            st.error(answer.error or "No SQL could be run.", icon=":material/block:")
            if answer.timings:  # a failure took time too: where it went
                st.caption(timing_line(answer.timings))
            if answer.question and st.button(
                "Retry",
                key=f"ask_data_retry_{turn.id}",
                icon=":material/refresh:",
                disabled=agent is None,
                help="Ask this question again.",
            ):
                st.session_state[state.SQL_PENDING] = answer.question
                st.rerun()
        else:
            show_reading(answer.reading)
            frame = answer.result.to_dataframe()
            st.dataframe(frame, hide_index=True, width="stretch")
            if answer.result.truncation_note:
                st.caption(answer.result.truncation_note)
            if answer.chart:
                st.vega_lite_chart(frame, answer.chart, width="stretch")
            st.markdown(answer.summary)
            show_confidence(answer)
            show_alternatives(
                turn.id, answer, (lambda sql: choose_reading(sql, answer.question)) if agent else None
            )
            for j, question in enumerate(answer.follow_ups):
                if st.button(
                    question,
                    key=f"ask_data_follow_{turn.id}_{j}",
                    icon=":material/subdirectory_arrow_right:",
                    disabled=agent is None,
                ):
                    st.session_state[state.SQL_PENDING] = question
                    st.rerun()
            st.caption(timing_line(answer.timings, answer.result.elapsed_s))
        feedback_controls(analyses.store, owner, turn.id, turn.feedback, turn.feedback_comment)
        if agent is not None:
            verify_button(turn, source, owner, found, read_only)


def choose_reading(sql: str, question: str) -> None:
    """The person chose another reading of their question: it becomes the answer, as a new turn."""
    save_turn(agent.run_sql(sql, question))
    st.rerun()


def save_turn(answer) -> None:
    """Keep a new turn with the analysis shown, starting one if this is its first question."""
    try:
        aid = st.session_state.get(state.ANALYSIS) or analyses.create(owner)
        st.session_state[state.ANALYSIS] = aid
        analyses.add_turn(owner, aid, answer, source.name)
    except DataFolderUnwritable as err:  # the folder stopped taking writes: say so, change nothing
        st.error(err.user_message)
        st.stop()


backend_sidebar()
read_only = data_folder_notice()  # reading works; building the sample or saving a turn cannot
st.title("Ask your data")
analyses = analysis_store()
owner = conversation_owner()
analysis_id = active_analysis(analyses, owner, read_only)
turns = analyses.turns(owner, analysis_id) if analysis_id else []

source, found, semantic = None, None, None
try:
    source = pick_source()
except (DatabaseError, FileNotFoundError, ValueError) as err:
    st.error(str(err))
except BackendError as err:  # e.g. the sample database cannot be built in a read-only data folder
    st.error(err.user_message)
else:
    if source is None:
        st.info("Choose a data source in the sidebar.")

if source:
    found = semantic_for(source, owner)  # saved for this owner, bundled (the sample) or drafted
    semantic = found.model
# A saved analysis is shown from the store as it was: nothing here runs its queries again.
generate = model_generator(on_queue=queue_place_reporter())
fingerprint = source_fingerprint(source) if source else None
values = value_index(source.key, fingerprint, source) if source else None
# two sampled readings beside each new answer: do they agree (confident), or what else was meant
agent = SqlAgent(source, generate, semantic, values=values.index, second_readings=2) if source else None
if source and (reader := prompt_reader()):
    schema_read_ahead(source.key, fingerprint, str(current_model()), source, semantic, reader)
if source:
    show_schema(source, semantic, values)
    semantic_panel(source, owner, found, generate.with_params(max_tokens=600), read_only)
if semantic:
    st.caption("Suggested questions")
    cols = st.columns(3)
    for k, question in enumerate(semantic.suggested_questions):
        if cols[k % 3].button(question, key=f"ask_data_suggested_{k}"):
            st.session_state[state.SQL_PENDING] = question

for turn in turns:
    show_turn(turn, agent, source.name if source else "")
if agent is None:
    st.stop()

show_pending(read_only)
question = st.chat_input("Ask a question about this data", disabled=read_only) or st.session_state.pop(
    state.SQL_PENDING, None
)
if question:
    hold_if_unclear(question, source.schema, semantic)  # reruns to ask which measure a word means
# `asked` is the person's words, kept with the turn; `question` may carry their choice of meaning
question, asked = take_choice(source, owner, found) or (question, question)
if question:
    with st.spinner("Writing and checking SQL…"):
        try:
            answer = agent.ask(question, history=follow_up_context(turns, source.name))
            answer.question = asked
        except BackendError as err:  # kept with the reason: ask again, or write the SQL and Re-run
            answer = failed_answer(asked, err.user_message)
        except Exception:  # kept too: a short message here, the traceback in the server log
            answer = failed_answer(asked, log_unexpected("answering a question on Ask your data"), "error")
    save_turn(answer)
    st.rerun()
