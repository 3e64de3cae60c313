"""What a person sees in Chromium: pick the sample database, click a suggested question, see the
table and the chart."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, wait_until_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_suggested_question_shows_table_and_chart(page, app_data, sample_db_path, app_server):
    shutil.copy(sample_db_path, app_data / sample_db_path.name)  # built once per run, not per app
    page.goto(app_server)
    page.get_by_role("link", name="Ask your data").click(timeout=120_000)
    expect(page.get_by_role("heading", name="Ask your data")).to_be_visible(timeout=120_000)
    page.get_by_test_id("stSidebar").get_by_text("Sample retail database").click()
    page.get_by_role("button", name="How many orders came through each sales channel?").click()
    table = page.get_by_test_id("stDataFrame").last
    expect(table).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Verified query from the semantic model")).to_be_visible()
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart).to_be_visible(timeout=60_000)
    expect(chart.locator("canvas, svg").first).to_be_visible()
    expect(page.get_by_text("The highest orders is")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    wait_until_idle(page)
    page.screenshot(path=str(ARTIFACTS / "ask_data.png"), full_page=True)
