"""What a person sees in Chromium: ask on the sample database, reload the page, and the analysis is
still there (question, table, chart, answer)."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from tests.app.test_browser_crash import serve
from tests.conftest import open_app_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = "Which product categories bring in the most revenue?"


def test_an_analysis_is_still_there_after_a_reload(page, tmp_path, sample_db_path):
    shutil.copy(sample_db_path, tmp_path / sample_db_path.name)  # the server's own data folder
    url, server = serve(tmp_path, "saved-analysis.log")
    with server:
        open_app_page(page, url, "Ask your data")
        page.get_by_role("button", name=QUESTION).click()
        answer = page.get_by_text(re.compile(r"The highest revenue is"))
        expect(answer).to_be_visible(timeout=120_000)
        summary = answer.inner_text()

        page.reload()
        expect(page.get_by_role("heading", name="Ask your data")).to_be_visible(timeout=120_000)
        messages = page.get_by_test_id("stChatMessage")
        expect(messages).to_have_count(2)
        expect(messages.first).to_contain_text(QUESTION)
        expect(page.get_by_text(summary, exact=True)).to_be_visible()
        expect(page.get_by_test_id("stDataFrame").last).to_be_visible()
        expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
        picker = page.get_by_role("combobox", name="Analysis")
        expect(picker).to_match_aria_snapshot(f'- combobox "Analysis": {QUESTION[:48]}')
