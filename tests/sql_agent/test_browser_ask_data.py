"""What a person sees in Chromium: pick the sample database, click a suggested question, see the
table and the chart."""

from __future__ import annotations

import contextlib
import re
import shutil

import pytest
from playwright.sync_api import expect

from tests.backends.standins import ReplicateStandIn, Reply
from tests.backends.standins.fake_secrets import REPLICATE_TOKEN
from tests.conftest import ARTIFACTS, open_app_page, running_app, wait_until_idle

from .generation.test_model_path import ORDERS_CSV, QUESTION
from .test_ask_data_page import SALES_BY_MONTH, SALES_CSV, SCENARIO

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_suggested_question_shows_table_and_chart(page, app_data, sample_db_path, app_server):
    shutil.copy(sample_db_path, app_data / sample_db_path.name)  # built once per run, not per app
    open_app_page(page, app_server, "Ask your data")
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


def test_a_question_waiting_for_the_model_shows_its_place(browser, app_data, sample_db_path, app_server):
    """One visitor's long chat answer holds the embedded model; another's SQL question shows its place in
    line until Stop frees the model and its own turn starts."""
    shutil.copy(sample_db_path, app_data / sample_db_path.name)
    chat_context, asking_context = browser.new_context(), browser.new_context()
    try:
        chat, asking = chat_context.new_page(), asking_context.new_page()
        chat.goto(app_server)
        chat.get_by_test_id("stSidebar").get_by_text("Generation settings").click()
        chat.get_by_label("Max tokens").fill("4096")
        chat.get_by_label("Max tokens").press("Enter")
        box = chat.get_by_test_id("stChatInputTextArea")
        box.fill("Write a very long story about a dragon who learns to bake bread, in ten chapters.")
        box.press("Enter")
        streamed = chat.get_by_test_id("stChatMessage").nth(1).get_by_test_id("stMarkdown").first
        expect(streamed).to_have_text(re.compile(r"\w+\W+\w+\W+\w+"), timeout=120_000)

        open_app_page(asking, app_server, "Ask your data")
        asking.get_by_test_id("stSidebar").get_by_text("Sample retail database").click()
        question = asking.get_by_test_id("stChatInputTextArea")
        question.fill("How many customers are there?")  # not a verified query: it needs the model
        question.press("Enter")
        place = asking.get_by_text("Queued: the model answers one request at a time and 1 is ahead of yours.")
        expect(place).to_be_visible(timeout=60_000)

        chat.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop").click()
        expect(place).to_have_count(0, timeout=120_000)  # its turn came: the model writes its SQL now
        expect(asking.get_by_test_id("stException")).to_have_count(0)
    finally:
        chat_context.close()
        asking_context.close()


@contextlib.contextmanager
def ask_data_on_replicate(page, app_data, sample_db_path, replies):
    """The app on Ask your data, its model the real Replicate provider against the protocol STAND-IN
    for Replicate's API answering `replies` in order; yields the stand-in."""
    app_data.mkdir(parents=True)
    shutil.copy(sample_db_path, app_data / sample_db_path.name)
    replicate = ReplicateStandIn(REPLICATE_TOKEN).start()
    replicate.script(*replies)
    settings = {"REPLICATE_API_TOKEN": REPLICATE_TOKEN, "FLOE_REPLICATE_BASE_URL": replicate.base_url}
    try:
        with running_app(
            app_data, FLOE_CONVERSATION_SCOPE="local", FLOE_BACKEND="replicate", **settings
        ) as url:
            open_app_page(page, url, "Ask your data")
            yield replicate
    finally:
        replicate.stop()


def test_a_repair_sent_back_twice_ends_in_an_answer_not_an_error(page, app_data, sample_db_path):
    """The crash a new user met, as they met it: the sample database's question first, then an
    uploaded CSV in the same analysis, whose first query the model sends back twice. The model is the
    real Replicate provider against the protocol STAND-IN for Replicate's API, with scripted replies."""
    with ask_data_on_replicate(page, app_data, sample_db_path, SCENARIO) as replicate:
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_text("Sample retail database").click()
        ask = page.get_by_test_id("stChatInputTextArea")
        ask.fill(SALES_BY_MONTH)
        ask.press("Enter")
        expect(page.get_by_text("The highest sales is")).to_be_visible(timeout=120_000)

        sidebar.get_by_text("Upload CSV/Parquet").click()
        sidebar.locator("input[type=file]").set_input_files(
            {"name": "orders.csv", "mimeType": "text/csv", "buffer": ORDERS_CSV}
        )
        expect(page.get_by_text("Schema: 1 tables")).to_be_visible(timeout=60_000)
        ask.fill(QUESTION)
        ask.press("Enter")
        expect(page.get_by_text("country is Germany")).to_be_visible(timeout=120_000)
        wait_until_idle(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
        assert len(replicate.creates()) == len(SCENARIO)


def test_an_ambiguous_word_is_asked_about_in_the_browser_and_not_again(page, app_data, sample_db_path):
    """Ask, choose a meaning with a button, ask again with the same word: no second question. The
    model is the real Replicate provider against the protocol STAND-IN for Replicate's API."""
    by_amount = "SELECT region, SUM(sales_amount) AS sales FROM orders GROUP BY region ORDER BY sales DESC"
    with ask_data_on_replicate(page, app_data, sample_db_path, [Reply(tokens=(by_amount,))] * 6):
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_text("Upload CSV/Parquet").click()
        sidebar.locator("input[type=file]").set_input_files(
            {"name": "orders.csv", "mimeType": "text/csv", "buffer": SALES_CSV}
        )
        expect(page.get_by_text("Schema: 1 tables")).to_be_visible(timeout=60_000)
        ask = page.get_by_test_id("stChatInputTextArea")
        ask.fill("What were sales by region?")
        ask.press("Enter")
        expect(page.get_by_text("do you mean orders.sales_amount or orders.sales_units?")).to_be_visible()
        page.get_by_role("button", name="orders.sales_amount").click()
        expect(page.get_by_text("The highest sales is")).to_be_visible(timeout=120_000)
        ask.fill("Which region had the most sales?")
        ask.press("Enter")
        expect(page.get_by_text("The highest sales is")).to_have_count(2, timeout=120_000)
        wait_until_idle(page)
        expect(page.get_by_text("do you mean")).to_have_count(0)
        expect(page.get_by_test_id("stException")).to_have_count(0)


def test_an_unsure_answer_shows_its_other_reading_and_choosing_it_makes_it_the_answer(
    page, app_data, sample_db_path
):
    """The first reading and a second, sampled one find other rows: the answer is marked unsure, the
    other reading's result is shown beside it, and choosing it makes it the answer with Verify. The
    model is the real Replicate provider against the protocol STAND-IN for Replicate's API."""
    by_segment = "SELECT segment, count(*) AS customers FROM customers GROUP BY segment"
    by_city = "SELECT city, count(*) AS customers FROM customers GROUP BY city"
    replies = [Reply(tokens=(sql,)) for sql in (by_segment, by_city, by_segment)]
    with ask_data_on_replicate(page, app_data, sample_db_path, replies):
        page.get_by_test_id("stSidebar").get_by_text("Sample retail database").click()
        ask = page.get_by_test_id("stChatInputTextArea")
        ask.fill("How are our customers spread?")
        ask.press("Enter")
        expect(page.get_by_text(re.compile(r"Unsure$"))).to_be_visible(timeout=120_000)  # after its icon
        expect(page.get_by_text("read this question 2 ways")).to_be_visible()
        expect(page.get_by_role("button", name="Verify")).to_have_count(1)
        page.get_by_role("button", name="Use this answer").first.click()
        # The chosen reading is a new turn: its own reading, result and Verify.
        expect(page.get_by_role("button", name="Verify")).to_have_count(2, timeout=60_000)
        expect(page.get_by_text("For each city: the number of rows (as customers)")).to_have_count(2)
        wait_until_idle(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
