"""A visitor of a deployment that is not declared local, through the real server: a `Host: localhost`
header (forged, or set by a reverse proxy) opens nobody's shared history or documents, and the
DuckDB file source opens nothing outside the folder the deployment allows."""

from __future__ import annotations

import duckdb
import pytest
from playwright.sync_api import expect

from backends.local_embeddings import get_embedder
from conversations import ConversationStore
from rag.ingest import ingest_file
from rag.paths import store_path
from rag.store import Store
from tests.conftest import open_app_page, running_app
from tests.host_rewriting_proxy import host_rewriting_proxy

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_localhost_host_header_does_not_open_the_shared_local_history(page, app_data):
    store = ConversationStore(app_data / "conversations.sqlite")
    cid = store.create("local", "Local diary")
    store.append("local", cid, "user", "The spare key is under the blue pot.")
    with Store(store_path(app_data, "local")) as docs:
        assert (
            ingest_file(docs, get_embedder(), "diary.md", b"# Diary\n\nThe safe code is 4711.\n").status
            == "added"
        )

    with running_app(app_data) as url, host_rewriting_proxy(url, host="localhost") as proxied:
        page.goto(proxied)
        expect(page.get_by_text("Kept for this browser session only.")).to_be_visible(timeout=90_000)
        expect(page.get_by_role("combobox", name="Conversation")).to_have_value("New chat")
        expect(page.get_by_test_id("stChatMessage")).to_have_count(0)
        expect(page.get_by_text("Local diary")).to_have_count(0)
        expect(page.get_by_text("spare key")).to_have_count(0)

        page.get_by_role("link", name="Documents").click()
        expect(page.get_by_role("heading", name="Your documents (0)")).to_be_visible(timeout=90_000)
        expect(page.get_by_text("diary.md")).to_have_count(0)


def test_the_duckdb_file_source_opens_only_the_allowed_folder(page, app_data, tmp_path):
    allowed, private = tmp_path / "shared-databases", tmp_path / "private"
    allowed.mkdir()
    private.mkdir()
    with duckdb.connect(str(allowed / "shop.duckdb")) as conn:
        conn.execute("CREATE TABLE till (receipt INTEGER, amount DOUBLE)")
    with duckdb.connect(str(private / "payroll.duckdb")) as conn:
        conn.execute("CREATE TABLE salaries (name VARCHAR, salary DOUBLE)")

    with running_app(app_data, FLOE_DUCKDB_DIR=str(allowed)) as url:
        open_app_page(page, url, "Ask your data")
        page.get_by_test_id("stSidebar").get_by_text("DuckDB file").click()
        path_box = page.get_by_label("File name, in the folder this app allows")
        for outside in ("../private/payroll.duckdb", str(private / "payroll.duckdb")):
            path_box.fill(outside)
            path_box.press("Enter")
            expect(
                page.get_by_text("only databases in the folder this app allows can be opened")
            ).to_be_visible()
            expect(page.get_by_text("salaries")).to_have_count(0)
        path_box.fill("shop.duckdb")
        path_box.press("Enter")
        expect(page.get_by_text("Schema: 1 tables")).to_be_visible()
        expect(page.get_by_text("only databases in the folder")).to_have_count(0)
