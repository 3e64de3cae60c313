"""SIGKILL the real server in the middle of a streamed answer, restart it on the same data folder,
and check what a person would: the store is sound and the partial answer is there, marked stopped."""

from __future__ import annotations

import re
import signal
import sqlite3
import time

import pytest
from playwright.sync_api import expect

from rag.store import Store
from tests.app.test_browser_chat import open_chat, send
from tests.conftest import app_server_process

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]


def serve(data, log_name: str):
    return app_server_process(data, log_name, FLOE_CONVERSATION_SCOPE="local")  # one history across restarts


def streaming_answer(db, timeout_s: float = 120.0) -> str:
    """Wait until the store holds a partial answer still being written; return its text."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            rows = con.execute(
                "SELECT content FROM messages WHERE role = 'assistant' AND status = 'streaming' AND content != ''"
            ).fetchall()
        if rows:
            return rows[0][0]
        time.sleep(0.1)  # polling the store for the state the test needs, not waiting a fixed time
    raise TimeoutError("no partial answer was saved")


def test_a_server_killed_mid_answer_keeps_a_sound_store_and_the_partial_answer(page, tmp_path):
    db = tmp_path / "conversations.sqlite"
    url, server = serve(tmp_path, "before-kill.log")
    with server as proc:
        box = open_chat(page, url)
        send(page, box, "Write a very long story about a dragon who learns to bake bread, in ten chapters.")
        streaming_answer(db)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        (kept,) = con.execute("SELECT content FROM messages WHERE role = 'assistant'").fetchone()
    assert kept.strip(), "the partial answer written before the kill is in the store"

    url, server = serve(tmp_path, "after-restart.log")
    with server:
        open_chat(page, url)
        messages = page.get_by_test_id("stChatMessage")
        expect(messages).to_have_count(2)
        expect(page.get_by_text("Stopped: the partial answer is kept.")).to_be_visible()
        first_word = re.search(r"[A-Za-z]{3,}", kept).group(0)
        expect(messages.nth(1)).to_contain_text(first_word)


def markdown_files(count: int, sections: int = 10) -> list[dict]:
    """Upload buffers whose every section is one chunk with words found nowhere else."""
    files = []
    for i in range(count):
        body = [f"# Upload {i}"] + [
            f"## Section {j}\n\nThe keeper upload{i}x{j} lights {i * 100 + j} lanterns on pier {j}."
            for j in range(sections)
        ]
        buffer = "\n\n".join(body).encode()
        files.append({"name": f"upload-{i:02d}.md", "mimeType": "text/markdown", "buffer": buffer})
    return files


def test_a_server_killed_mid_upload_lists_only_whole_documents_and_still_searches(page, tmp_path):
    files = markdown_files(24)  # 240 chunks: the page commits about 32 at a time
    url, server = serve(tmp_path, "before-kill.log")
    with server as proc:
        page.goto(url + "/documents")
        expect(page.get_by_role("heading", name="Documents", exact=True)).to_be_visible(timeout=90_000)
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(files)
        expect(page.get_by_text("upload-23.md")).to_be_visible()  # the last upload reached the server
        page.get_by_role("button", name="Add to the index").click()
        expect(page.get_by_text(re.compile(r"[1-9]\d* of 24 done"))).to_be_visible(timeout=120_000)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    store_file = tmp_path / "documents" / "local.duckdb"
    with Store(store_file) as store:
        listed = [d.file for d in store.documents()]
        for doc in store.documents():
            (chunks,) = store.con.execute(
                "SELECT count(embedding) FROM chunks WHERE doc_id = (SELECT doc_id FROM documents WHERE file = ?)",
                [doc.file],
            ).fetchone()
            assert chunks == doc.chunks == 10, doc.file
    assert 0 < len(listed) < 24, "killed after a first commit, before the last"

    url, server = serve(tmp_path, "after-restart.log")
    with server:
        page.goto(url + "/documents")
        expect(page.get_by_role("heading", name=f"Your documents ({len(listed)})")).to_be_visible(
            timeout=90_000
        )
        page.get_by_label("Question").fill("Which keeper lights lanterns on pier 3?")
        page.get_by_role("button", name="Ask").click()
        first_source = page.get_by_text(re.compile(r"^\[1\] upload-\d\d\.md"))
        expect(first_source).to_be_visible(timeout=120_000)
        assert first_source.inner_text().split()[1] in listed, "the answer cites an indexed document"
