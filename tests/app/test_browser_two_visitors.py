"""Two visitors of one deployment (visitor scope, the default), each in their own browser context, at
the same time: neither ever sees the other's conversation or documents."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ANSWER_TIMEOUT_MS, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DONE = re.compile(r"tok/s|out tokens")


def visitor(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(90_000)
    return context, page


def chat(page, url: str, text: str) -> None:
    page.goto(url)
    expect(page.get_by_text("Kept for this browser session only.")).to_be_visible(timeout=90_000)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")
    expect(page.get_by_test_id("stChatMessage").nth(1)).to_contain_text(DONE, timeout=ANSWER_TIMEOUT_MS)


def upload(page, name: str, text: str) -> None:
    page.get_by_role("link", name="Documents").click()
    expect(page.get_by_role("heading", name="Your documents (0)")).to_be_visible(timeout=90_000)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        [{"name": name, "mimeType": "text/markdown", "buffer": text.encode()}]
    )
    expect(page.get_by_role("button", name=f"Remove {name}")).to_be_visible()
    page.get_by_role("button", name="Add to the index").click()
    expect(page.get_by_role("heading", name="Your documents (1)")).to_be_visible(timeout=120_000)


def test_two_visitors_never_see_each_others_chats_or_documents(browser, app_data):
    with running_app(app_data) as url:  # no FLOE_CONVERSATION_SCOPE: every session is its own visitor
        alice_context, alice = visitor(browser)
        bob_context, bob = visitor(browser)
        try:
            chat(alice, url, "Alice's secret: the launch is on Tuesday.")
            chat(bob, url, "Bob's note: buy oat milk.")
            upload(alice, "alice-plans.md", "# Plans\n\nThe launch code word is heliotrope.\n")
            upload(bob, "bob-recipes.md", "# Recipes\n\nPancakes need oat milk and flour.\n")

            for page, own, other in (
                (alice, "Alice's secret", "Bob's note"),
                (bob, "Bob's note", "Alice's secret"),
            ):
                page.get_by_role("link", name="Chat", exact=True).click()
                expect(page.get_by_test_id("stChatMessage").first).to_contain_text(own)
                expect(page.get_by_text(other)).to_have_count(0)
                conversations = page.get_by_role("combobox", name="Conversation")
                conversations.click()
                expect(page.get_by_role("option", name=re.compile(other))).to_have_count(0)
                page.keyboard.press("Escape")
            for page, own, other in (
                (alice, "alice-plans.md", "bob-recipes.md"),
                (bob, "bob-recipes.md", "alice-plans.md"),
            ):
                page.get_by_role("link", name="Documents").click()
                expect(page.get_by_role("heading", name="Your documents (1)")).to_be_visible()
                expect(page.get_by_text(own).first).to_be_visible()
                expect(page.get_by_text(other)).to_have_count(0)
        finally:
            alice_context.close()
            bob_context.close()
