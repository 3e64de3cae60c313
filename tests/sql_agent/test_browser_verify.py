"""What a person sees in Chromium: fix an answer's SQL, press Verify, reload, and the same question is
answered by the verified SQL (the page says so) without the model."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from tests.app.test_browser_crash import serve
from tests.conftest import open_app_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SUGGESTED = "How many orders came through each sales channel?"
FIXED_SQL = "SELECT channel, count(*) AS orders_placed FROM orders GROUP BY channel ORDER BY channel"


def test_a_verified_answer_survives_a_reload_and_answers_the_same_question(page, tmp_path, sample_db_path):
    shutil.copy(sample_db_path, tmp_path / sample_db_path.name)
    url, server = serve(tmp_path, "verify.log")
    with server:
        open_app_page(page, url, "Ask your data")
        page.get_by_role("button", name=SUGGESTED).click()
        sql_box = page.get_by_label("SQL (edit and re-run)")
        expect(sql_box).to_be_visible(timeout=120_000)
        sql_box.fill(FIXED_SQL)
        sql_box.press("Control+Enter")  # Streamlit takes a text area's value on Ctrl+Enter or blur
        page.get_by_role("button", name="Re-run").click()
        expect(page.get_by_role("button", name="Verify")).to_be_visible(timeout=120_000)
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_text(re.compile(r"^Verified: how_many_orders"))).to_be_visible(timeout=120_000)

        page.reload()
        expect(page.get_by_text("Semantic model (saved)")).to_be_visible(timeout=120_000)
        expect(page.get_by_text("You verified this answer", exact=False)).to_be_visible()
        verified_captions = page.get_by_text("Verified query from the semantic model")
        before = verified_captions.count()
        page.get_by_test_id("stChatInputTextArea").fill(SUGGESTED.lower())
        page.keyboard.press("Enter")
        expect(verified_captions).to_have_count(before + 1, timeout=120_000)
        expect(page.get_by_text("orders_placed").last).to_be_visible()
