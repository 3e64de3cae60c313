"""Ask your data: pick a source, ask in plain language, see the SQL, the table, a chart and an answer."""

import streamlit as st

from app.ui import state
from app.ui.backend_session import backend_sidebar, current_backend, current_model
from app.ui.config import snowflake_connection_secrets, upload_limit_bytes
from app.ui.data_folder import data_folder_notice
from backends import BackendError, ChatParams
from sql_agent.agent import SqlAgent, backend_generator
from sql_agent.sample_db import ensure_sample_db
from sql_agent.sandbox import DatabaseError, SandboxLimits
from sql_agent.semantic import sample_semantic_model
from sql_agent.sources import DuckDBSource
from sql_agent.uploads import load_uploads

SAMPLE, DUCKDB_FILE, UPLOAD, SNOWFLAKE = (
    "Sample retail database",
    "DuckDB file",
    "Upload CSV/Parquet",
    "Snowflake",
)


@st.cache_resource(show_spinner="Building the sample database…")
def sample_source() -> DuckDBSource:
    return DuckDBSource(ensure_sample_db(), SandboxLimits(), name=SAMPLE)


@st.cache_resource(show_spinner="Opening the database…", max_entries=8)
def duckdb_source(path: str) -> DuckDBSource:
    return DuckDBSource(path, SandboxLimits())


@st.cache_resource(show_spinner="Connecting to Snowflake…", max_entries=2)
def snowflake_source():
    from sql_agent.snowflake_source import SnowflakeSource

    return SnowflakeSource.from_environment(secrets=snowflake_connection_secrets())


def pick_source():
    kind = st.sidebar.radio(
        "Data source", [SAMPLE, DUCKDB_FILE, UPLOAD, SNOWFLAKE], key=state.SQL_SOURCE_KIND
    )
    if kind == SAMPLE:
        return sample_source(), sample_semantic_model()
    if kind == DUCKDB_FILE:
        path = st.sidebar.text_input("Path to a .duckdb file")
        return (duckdb_source(path), None) if path else (None, None)
    if kind == UPLOAD:
        files = st.sidebar.file_uploader(
            "CSV or Parquet files", type=["csv", "tsv", "parquet"], accept_multiple_files=True
        )
        if not files:
            return None, None
        path = load_uploads([(f.name, f.getvalue()) for f in files], max_bytes=upload_limit_bytes())
        return duckdb_source(str(path)), None
    return snowflake_source(), None


def generate(messages):
    """The sidebar's backend, resolved only when a question needs a model (verified ones do not)."""
    params = ChatParams(current_model(), temperature=0.0, max_tokens=320)
    return backend_generator(current_backend(), params)(messages)


def show_schema(source) -> None:
    with st.expander(f"Schema: {len(source.schema.tables)} tables", icon=":material/schema:"):
        for table in source.schema.tables:
            st.markdown(f"**{table.name}** {table.comment}")
            st.dataframe(
                [
                    {"column": c.name, "type": c.type, "about": c.comment, "examples": ", ".join(c.samples)}
                    for c in table.columns
                ],
                hide_index=True,
                width="stretch",
            )


def show_turn(i: int, turn, agent: SqlAgent) -> None:
    with st.chat_message("user"):
        st.write(turn.question or "(SQL written by hand)")
    with st.chat_message("assistant", avatar=":material/table_chart:"):
        if turn.verified:
            st.caption(":material/verified: Verified query from the semantic model")
        with st.expander(f"Attempts: {len(turn.attempts)}", expanded=not turn.ok):
            for a in turn.attempts:
                st.markdown(f"**Attempt {a.number}**: {a.outcome}" + (f": {a.message}" if a.message else ""))
                if a.sql:
                    st.code(a.sql, language="sql")
        edited = st.text_area("SQL (edit and re-run)", turn.sql or "", key=f"ask_data_sql_{i}", height=140)
        if st.button("Re-run", key=f"ask_data_rerun_{i}", icon=":material/play_arrow:"):
            st.session_state[state.SQL_TURNS].append(agent.run_sql(edited, turn.question))
            st.rerun()
        if not turn.ok:
            st.error(turn.error or "No SQL could be run.", icon=":material/block:")
            return
        frame = turn.result.to_dataframe()
        st.dataframe(frame, hide_index=True, width="stretch")
        if turn.result.truncation_note:
            st.caption(turn.result.truncation_note)
        if turn.chart:
            st.vega_lite_chart(frame, turn.chart, width="stretch")
        st.markdown(turn.summary)
        for j, question in enumerate(turn.follow_ups):
            if st.button(
                question, key=f"ask_data_follow_{i}_{j}", icon=":material/subdirectory_arrow_right:"
            ):
                st.session_state[state.SQL_PENDING] = question
                st.rerun()
        t = turn.timings
        st.caption(
            f"{t['total_s']:.2f} s in all; the model {t['model_s']:.2f} s; the query {turn.result.elapsed_s:.3f} s"
        )


backend_sidebar()
data_folder_notice()  # reading works; building the sample or loading uploads says why it cannot
st.title("Ask your data")
st.session_state.setdefault(state.SQL_TURNS, [])
try:
    source, semantic = pick_source()
except (DatabaseError, FileNotFoundError, ValueError) as err:
    st.error(str(err))
    st.stop()
except BackendError as err:  # e.g. the sample database cannot be built in a read-only data folder
    st.error(err.user_message)
    st.stop()
if source is None:
    st.info("Choose a data source in the sidebar.")
    st.stop()

agent = SqlAgent(source, generate, semantic)
show_schema(source)
if semantic:
    st.caption("Suggested questions")
    cols = st.columns(3)
    for k, question in enumerate(semantic.suggested_questions):
        if cols[k % 3].button(question, key=f"ask_data_suggested_{k}"):
            st.session_state[state.SQL_PENDING] = question

for i, turn in enumerate(st.session_state[state.SQL_TURNS]):
    show_turn(i, turn, agent)

question = st.chat_input("Ask a question about this data") or st.session_state.pop(state.SQL_PENDING, None)
if question:
    previous = st.session_state[state.SQL_TURNS][-1] if st.session_state[state.SQL_TURNS] else None
    history = (previous.question, previous.sql) if previous and previous.ok else None
    with st.spinner("Writing and checking SQL…"):
        try:
            st.session_state[state.SQL_TURNS].append(agent.ask(question, history=history))
        except BackendError as err:
            st.error(err.user_message)
            st.stop()
    st.rerun()
