"""The document store under a killed writer and under two writers at once, with real processes
(`python -m rag ingest`, the same ingest code the Documents page runs) on real DuckDB files."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from rag.errors import StoreBusy
from rag.ingest import ingest_files
from rag.retrieval import search
from rag.store import Store

ROOT = Path(__file__).resolve().parents[2]
TOPICS = ("harbour", "orchard", "glacier", "library", "foundry", "vineyard", "observatory", "bakery")

pytestmark = pytest.mark.timeout(300)


def write_corpus(folder: Path, prefix: str, files: int, sections: int = 10) -> list[Path]:
    """Markdown files whose every section is one chunk with words found nowhere else."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(files):
        body = [f"# {prefix} file {i}"]
        for j in range(sections):
            topic = TOPICS[(i + j) % len(TOPICS)]
            body.append(
                f"## Section {j}\n\nThe {topic} keeper {prefix}{i}x{j} counts {i * 100 + j} lanterns "
            )
            body[-1] += f"every evening and writes the figure in the {topic} ledger number {j}."
        path = folder / f"{prefix}-{i:02d}.md"
        path.write_text("\n\n".join(body), encoding="utf-8")
        paths.append(path)
    return paths


def ingest_process(store: Path, files: list[Path]) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "rag", "ingest", "--store", str(store), *map(str, files)]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_every_listed_document_is_whole(store: Store) -> list[str]:
    """Each listed document has all its chunks, each with a vector and keyword postings."""
    files = []
    for doc in store.documents():
        chunks, vectors, indexed = store.con.execute(
            "SELECT count(*), count(embedding), count(*) FILTER (chunk_id IN (SELECT chunk_id FROM terms)) "
            "FROM chunks WHERE doc_id = (SELECT doc_id FROM documents WHERE file = ?)",
            [doc.file],
        ).fetchall()[0]
        assert chunks == vectors == indexed == doc.chunks > 0, doc.file
        files.append(doc.file)
    return files


def test_sigkill_mid_ingestion_leaves_only_whole_documents_and_search_works(tmp_path, embedder):
    files = write_corpus(tmp_path / "docs", "crash", files=30)
    store_path = tmp_path / "store.duckdb"
    proc = ingest_process(store_path, files)
    written = []
    for line in proc.stderr:  # "3/30 crash-02.md: added", printed once the file's group is committed
        written.append(line.split()[1].rstrip(":"))
        break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL and written, "killed mid-way, after a first commit"

    with Store(store_path) as store:
        listed = assert_every_listed_document_is_whole(store)
        assert set(written) <= set(listed) and len(listed) < len(files)
        hit = search(store, embedder, f"{Path(listed[0]).stem.replace('-', ' ')} keeper lanterns").hits[0]
        assert hit.file in listed

    again = ingest_process(store_path, files)
    out, err = again.communicate(timeout=240)
    assert again.returncode == 0, err
    with Store(store_path) as store:
        assert len(assert_every_listed_document_is_whole(store)) == len(files)


def test_two_processes_ingesting_into_one_store_both_succeed(tmp_path):
    store_path = tmp_path / "shared.duckdb"
    first = ingest_process(store_path, write_corpus(tmp_path / "a", "alpha", files=6))
    second = ingest_process(store_path, write_corpus(tmp_path / "b", "beta", files=6))
    for proc in (first, second):
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        assert "lock" not in err.lower() and "error" not in err.lower()
        assert out.count('"status": "added"') == 6
    with Store(store_path) as store:
        assert len(assert_every_listed_document_is_whole(store)) == 12, "no file was lost"


def test_browser_sessions_of_one_server_uploading_into_one_store_at_once_all_succeed(tmp_path, embedder):
    """The Documents page's case: one process, several sessions, each with its own Store connection."""
    store_path, reports, errors = tmp_path / "one-process.duckdb", {}, []

    def upload(prefix: str) -> None:
        files = write_corpus(tmp_path / prefix, prefix, files=4)
        try:
            with Store(store_path) as store:  # a fresh store: even creating the tables races
                reports[prefix] = ingest_files(
                    store, embedder, [(str(f), None) for f in files], group_chunks=8
                )
        except Exception as exc:  # whatever escapes is shown by the assertion below
            errors.append(repr(exc))

    sessions = [threading.Thread(target=upload, args=(prefix,)) for prefix in ("s1", "s2", "s3")]
    for session in sessions:
        session.start()
    for session in sessions:
        session.join(timeout=240)
    assert errors == []
    assert {r.status for report in reports.values() for r in report} == {"added"}
    with Store(store_path) as store:
        assert len(assert_every_listed_document_is_whole(store)) == 12


def test_a_writer_kept_waiting_too_long_is_told_the_store_is_busy(tmp_path):
    store_path = tmp_path / "held.duckdb"
    (note := tmp_path / "note.md").write_text("# Kept\n\nThis note was indexed before.", encoding="utf-8")
    assert ingest_process(store_path, [note]).wait(timeout=120) == 0
    holder = subprocess.Popen(  # another process writing: it holds DuckDB's file lock until stdin closes
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(store_path)!r}); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreBusy) as busy:
            Store(store_path, lock_wait_s=0.5)
        assert busy.value.user_message == (
            "The document store is busy: another process is writing to it. Try again in a moment; nothing was changed."
        )
    finally:
        holder.communicate(input="", timeout=30)
    with Store(store_path) as store:
        assert [d.file for d in store.documents()] == ["note.md"]
