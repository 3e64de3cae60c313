"""Documents: upload files, see and delete them, ask questions answered with numbered, checkable citations."""

import pandas as pd
import streamlit as st

from app.ui import state
from app.ui.backend_session import backend_sidebar, current_backend, current_backend_name, current_settings
from app.ui.citations import checked_answer_markdown, render_citations, where
from app.ui.config import upload_limit_bytes
from app.ui.data_folder import data_folder_notice
from app.ui.errors import log_unexpected
from app.ui.owner import conversation_owner
from app.ui.state_database import documents_location
from backends import BackendError
from backends.local_embeddings import get_embedder
from rag.answer import Answer, answer_question, is_tiny_default
from rag.errors import RagError
from rag.ingest import ingest_files
from rag.loaders import SUPPORTED
from rag.memory_index import MemoryIndex
from rag.paths import DocumentsLocation, ServerDocuments, open_store
from rag.retrieval import DEFAULT_MODE, MODES

STATUS_ICON = {
    "added": ":material/check_circle:",
    "replaced": ":material/sync:",
    "unchanged": ":material/equal:",
}


@st.cache_resource(show_spinner="Loading the embedding model…")
def embedder():
    return get_embedder()


@st.cache_resource(max_entries=4)
def memory_index(key: str, generation: int, _where: DocumentsLocation) -> MemoryIndex:
    """The store in memory for fast exact search; a new store generation loads a new one."""
    with open_store(_where) as store:
        return MemoryIndex.from_store(store)


backend_sidebar()
path = documents_location(conversation_owner())
read_only = data_folder_notice()  # a read-only or full data folder: say so, save nothing
st.title("Documents")
st.caption(
    "Ask questions about your files. Every answer cites numbered passages that you can open and check."
)

# --- upload ---
round_ = st.session_state.setdefault(state.DOCS_UPLOAD_ROUND, 0)
with st.form("upload", clear_on_submit=False, border=False):
    uploads = st.file_uploader(
        "Add documents",
        type=sorted(ext.lstrip(".") for ext in SUPPORTED),
        accept_multiple_files=True,
        key=f"uploader-{round_}",
        help="Text, Markdown, PDF (with a text layer) or HTML.",  # the uploader itself shows the size limit
        disabled=read_only,
    )
    submitted = st.form_submit_button("Add to the index", icon=":material/upload:", disabled=read_only)
if submitted and not uploads:
    st.warning(
        "Choose one or more files first, then press *Add to the index*.", icon=":material/upload_file:"
    )
if submitted and uploads:
    progress = st.progress(0.0, text=f"Indexing {len(uploads)} file(s)…")

    def show_progress(done: int, result) -> None:
        progress.progress(
            done / len(uploads), text=f"{done} of {len(uploads)} done ({result.file}: {result.status})"
        )

    try:
        with open_store(path) as store:
            files = [(upload.name, upload.getvalue()) for upload in uploads]
            # Small embedding groups: progress moves after every few files, batching still pays off.
            report = ingest_files(
                store,
                embedder(),
                files,
                max_bytes=upload_limit_bytes(),
                on_progress=show_progress,
                group_chunks=32,
            )
    except RagError as err:  # e.g. another process is writing the store: the files stay selected
        progress.empty()
        st.error(err.user_message, icon=":material/hourglass:")
    except Exception:  # unforeseen: the files stay selected; the traceback goes to the server log
        progress.empty()
        st.error(log_unexpected("adding documents"), icon=":material/error:")
    else:
        st.session_state[state.DOCS_INGEST_REPORT] = [r.as_dict() for r in report]
        st.session_state[state.DOCS_UPLOAD_ROUND] = round_ + 1
        st.rerun()
for r in st.session_state.pop(state.DOCS_INGEST_REPORT, []):
    if r["status"] == "rejected":
        st.error(f"**{r['file']}** was not added: {r['reason']}", icon=":material/block:")
    else:
        extra = f" {r['reason']}" if r["reason"] else ""
        st.success(
            f"**{r['file']}**: {r['status']}, {r['chunks']} chunks.{extra}", icon=STATUS_ICON[r["status"]]
        )

# --- the documents ---
try:
    with open_store(path) as store:
        documents = store.documents()
        generation = store.generation
except RagError as err:
    st.error(err.user_message)
    st.stop()
st.subheader(f"Your documents ({len(documents)})")
if not documents:
    kept = "in your team's database" if isinstance(path, ServerDocuments) else "on this machine"
    st.info(f"No documents yet. Add some above; they stay {kept}.", icon=":material/info:")
for doc in documents:
    name_col, facts_col, delete_col = st.columns([4, 5, 1], vertical_alignment="center")
    name_col.markdown(f"**{doc.file}**")
    pages = f"{doc.pages} pages · " if doc.pages else ""
    size = f"{doc.size_bytes / 1024:.1f} KB"
    facts_col.caption(f"{doc.chunks} chunks · {pages}{size} · added {doc.added_at:%Y-%m-%d %H:%M}")
    if delete_col.button(
        "", icon=":material/delete:", key=f"delete-{doc.file}", help=f"Delete {doc.file}", disabled=read_only
    ):
        try:
            with open_store(path) as store:
                store.delete_document(doc.file)
        except RagError as err:  # e.g. the disk filled up since the page was drawn
            st.error(err.user_message)
            st.stop()
        st.session_state.pop(state.DOCS_ANSWER, None)
        st.rerun()

# --- ask ---
st.subheader("Ask")
with st.expander("Retrieval settings"):
    mode = st.segmented_control("Search", MODES, default=DEFAULT_MODE, key=state.DOCS_MODE) or DEFAULT_MODE
    k = st.slider("Passages to retrieve", 1, 10, 5, key=state.DOCS_TOP_K)
with st.form("ask", border=False):
    question = st.text_input("Question", placeholder="What does the warranty cover?", disabled=not documents)
    asked = st.form_submit_button("Ask", icon=":material/search:", disabled=not documents)

retried = st.session_state.pop(state.DOCS_RETRY, None)  # a question kept from a failed try
if retried or (asked and question.strip()):
    question = retried or question.strip()
    settings = current_settings()
    name = current_backend_name(settings)
    backend = None
    if not is_tiny_default(name, settings):
        try:
            backend = current_backend(settings)
        except BackendError:
            pass  # answer_question retries the backend and falls back to an extractive answer
    live = st.empty()
    streamed: list[str] = []

    def show_delta(delta: str) -> None:
        streamed.append(delta)
        live.markdown("".join(streamed))

    try:
        with st.spinner("Searching your documents…"), open_store(path) as store:
            # A team database's store holds its own in-memory index, shared by every use in this process.
            index = (
                None if isinstance(path, ServerDocuments) else memory_index(str(path), store.generation, path)
            )
            result = answer_question(
                store, embedder(), question, backend_name=name, settings=settings, k=k, mode=mode,
                index=index, on_delta=show_delta, backend=backend,
            )  # fmt: skip
        st.session_state[state.DOCS_ANSWER] = result
        live.empty()
    except RagError as err:
        live.empty()
        st.error(err.user_message)
    except Exception:  # unforeseen: a short message, the question kept with Retry, the details logged
        st.session_state.pop(state.DOCS_ANSWER, None)  # not an older question's answer under this one
        st.error(log_unexpected("answering on the Documents page"), icon=":material/error:")
        st.button(
            "Retry",
            icon=":material/refresh:",
            on_click=st.session_state.__setitem__,
            args=(state.DOCS_RETRY, question),
            help=f"Ask “{question}” again.",
        )  # what had streamed stays above, as the person saw it

answer: Answer | None = st.session_state.get(state.DOCS_ANSWER)
if answer is not None:
    with st.container(border=True):
        st.markdown(f"**{answer.question}**")
        if answer.mode == "not_found":
            st.warning(answer.text, icon=":material/search_off:")
            if answer.sentences:  # the model's answer, which no passage backs
                st.caption(answer.note)
                st.markdown(checked_answer_markdown(answer.sentences, ""))
        elif answer.mode == "extractive":
            st.info(f"Extractive answer. {answer.note}", icon=":material/format_quote:")
            st.markdown(answer.text.split("\n\n", 1)[-1])
        else:
            st.markdown(checked_answer_markdown(answer.sentences, answer.text))
            if answer.unsupported:
                st.caption(
                    f"{len(answer.unsupported)} sentence(s) greyed: no passage found backs them, "
                    "so they are not cited."
                )
        render_citations(answer.citations)
    if answer.search is not None:
        with st.expander("Retrieval inspector"):
            s = answer.search
            st.caption(
                f"Mode: {s.mode}. Best cosine {s.best_cosine:.3f}; "
                + ("relevant." if s.relevant else "below the relevance floor, so no answer was attempted.")
            )
            rows = [
                {
                    "rank": i,
                    "file": h.file,
                    "where": where(h.page, h.heading),
                    "score": round(h.score, 4),
                    "cosine": None if h.vector_score is None else round(h.vector_score, 4),
                    "bm25": None if h.keyword_score is None else round(h.keyword_score, 3),
                    "title match": None if h.title_score is None else round(h.title_score, 2),
                    "vector rank": h.ranks.get("vector"),
                    "keyword rank": h.ranks.get("keyword"),
                    "moved": h.moved(i) if s.mode == "hybrid" else None,
                    "text": h.text[:160],
                }
                for i, h in enumerate(s.hits, start=1)
            ]
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
