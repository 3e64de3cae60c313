"""Documents in the team's PostgreSQL (ServerStore): the same answers as the DuckDB store, each
owner's own documents, a document added through one server searchable through another, and a
server killed mid-ingest leaves only whole documents. Against the throwaway PostgreSQL server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from corpus import corpus_files, labelled_questions, lookalike_files

from conversations.database import StateDatabase
from rag.ingest import ingest_files
from rag.retrieval import search
from rag.server_store import ServerStore
from rag.store import Store
from tests.conftest import ROOT


@pytest.fixture()
def team_db(postgres_url) -> StateDatabase:
    return StateDatabase(postgres_url)


def _ranking(store, embedder, question: str) -> list[tuple[str, str]]:
    return [(h.file, h.text) for h in search(store, embedder, question, k=5).hits]


def test_search_answers_as_the_duckdb_store_does(team_db, embedder, tmp_path):
    files = corpus_files() + lookalike_files()
    with Store(tmp_path / "docs.duckdb") as duck, ServerStore(team_db, "user:ann@example.com") as server:
        ingest_files(duck, embedder, files)
        ingest_files(server, embedder, files)
        assert [d.file for d in server.documents()] == [d.file for d in duck.documents()]
        assert [d.chunks for d in server.documents()] == [d.chunks for d in duck.documents()]
        assert server.titles() == duck.titles()
        for item in labelled_questions()[:12]:
            assert _ranking(server, embedder, item.question) == _ranking(duck, embedder, item.question)


def test_each_owner_sees_only_their_documents_and_another_server_sees_a_change(
    team_db, postgres_url, embedder
):
    ann = ServerStore(team_db, "user:ann@example.com")
    ingest_files(ann, embedder, [("plans.md", b"# Plans\n\nThe launch code word is heliotrope.\n")])
    assert ServerStore(team_db, "user:bob@example.com").documents() == []
    assert search(ServerStore(team_db, "user:bob@example.com"), embedder, "launch code word").hits == []

    other_db = StateDatabase(postgres_url)  # another app server's pool; a page run opens a store per use

    def on_the_other_server() -> ServerStore:
        return ServerStore(other_db, "user:ann@example.com")

    assert search(on_the_other_server(), embedder, "What is the launch code word?").hits[0].file == "plans.md"
    ingest_files(ann, embedder, [("plans.md", b"# Plans\n\nThe launch code word is now marigold.\n")])
    hit = search(on_the_other_server(), embedder, "What is the launch code word?").hits[0]
    assert "marigold" in hit.text, "the other server loaded the changed documents"
    assert ann.delete_document("plans.md") and on_the_other_server().documents() == []
    assert search(on_the_other_server(), embedder, "launch code word").hits == []


INGEST = """
import sys
from conversations.database import StateDatabase
from rag.server_store import ServerStore
from rag.ingest import ingest_files
from backends.local_embeddings import get_embedder

store = ServerStore(StateDatabase(sys.argv[1]), "local")
files = [("small.md", b"# Small\\n\\nA whole small document.\\n"), ("manual.md", b"# Manual\\n\\nStep one.\\n")]
ingest_files(store, get_embedder(), files, group_chunks=100_000)  # one group: one transaction
"""


def _held_up_writing_postings(conn) -> bool:
    """The ingest has written its documents and chunks (uncommitted) and waits to write postings."""
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE 'COPY rag_terms%'"
    return conn.execute(waiting).fetchone()[0] > 0


def test_a_server_killed_mid_ingest_leaves_only_whole_documents(team_db, postgres_url, embedder):
    import psycopg

    plain_url = postgres_url.replace("+psycopg", "")
    ingest_files(
        ServerStore(team_db, "local"), embedder, [("kept.md", b"# Kept\n\nThis one was added before.\n")]
    )
    with psycopg.connect(plain_url) as holder:
        # Writing postings waits behind this lock (reading them does not), so the other server is
        # caught in the middle of its ingest, and killed there.
        holder.execute("LOCK TABLE rag_terms IN SHARE MODE")
        worker = subprocess.Popen([sys.executable, "-c", INGEST, postgres_url], cwd=ROOT, env={**os.environ})
        try:
            deadline = time.monotonic() + 240
            with psycopg.connect(plain_url, autocommit=True) as watcher:
                while not _held_up_writing_postings(watcher):
                    assert worker.poll() is None and time.monotonic() < deadline, (
                        "the ingest never started writing"
                    )
                    time.sleep(0.05)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
        holder.rollback()
    store = ServerStore(StateDatabase(postgres_url), "local")
    assert [d.file for d in store.documents()] == ["kept.md"]  # the killed group was one transaction
    assert store.chunk_count() == store.documents()[0].chunks
    assert search(store, embedder, "Which document was added before?").hits[0].file == "kept.md"
