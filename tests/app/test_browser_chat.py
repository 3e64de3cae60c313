"""What a person sees in Chromium: send, watch the answer stream, stop, reload, the chat is still there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import ANSWER_TIMEOUT_MS, ARTIFACTS, wait_until_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_chat(page, url):
    page.goto(url)
    box = page.get_by_test_id("stChatInputTextArea")
    expect(box).to_be_visible(timeout=90_000)
    return box


def send(page, box, text):
    box.fill(text)
    box.press("Enter")


def wait_for_the_answer(page, prompt: str):
    """The answer is finished and saved: its usage caption is shown, the input is enabled again, and
    the conversation (titled by its first prompt) is the one selected."""
    messages = page.get_by_test_id("stChatMessage")
    expect(messages).to_have_count(2, timeout=120_000)
    expect(messages.nth(1)).to_contain_text(re.compile(r"tok/s|out tokens"), timeout=ANSWER_TIMEOUT_MS)
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_enabled()
    expect(page.get_by_role("combobox", name="Conversation")).to_have_value(prompt[:48])
    return messages


def test_send_stream_reload_and_keep(page, app_server):
    box = open_chat(page, app_server)
    expect(page.get_by_test_id("stChatMessage")).to_have_count(0)  # a fresh app: nothing left over
    send(page, box, "Name three colours of flowers.")
    messages = wait_for_the_answer(page, "Name three colours of flowers.")
    text_before = messages.nth(1).get_by_test_id("stMarkdown").first.inner_text()
    assert "flowers" in messages.nth(0).inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    wait_until_idle(page)
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

    page.reload()
    open_chat(page, app_server)
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2, timeout=60_000)
    assert (
        page.get_by_test_id("stChatMessage").nth(1).get_by_test_id("stMarkdown").first.inner_text()
        == text_before
    )


def test_stop_keeps_the_partial_answer(page, app_server):
    box = open_chat(page, app_server)
    send(page, box, "Write a very long story about a dragon who learns to bake bread, in ten chapters.")
    stop = page.get_by_test_id("stMainBlockContainer").get_by_role(
        "button", name="Stop"
    )  # not the header one
    expect(stop).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_disabled()
    # The answer is streaming: a few words of it are on the page (the avatar's icon name is text too,
    # so the message as a whole is never empty).
    streamed = page.get_by_test_id("stChatMessage").nth(1).get_by_test_id("stMarkdown").first
    expect(streamed).to_have_text(re.compile(r"\w+\W+\w+\W+\w+"), timeout=60_000)
    shown = " ".join(streamed.inner_text().split())
    stop.click()
    expect(page.get_by_text("Stopped: the partial answer is kept.")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_enabled()
    kept = page.get_by_test_id("stChatMessage").nth(1).get_by_test_id("stMarkdown").first.inner_text()
    assert " ".join(kept.split()).startswith(shown), f"shown before Stop: {shown!r}; kept: {kept!r}"
    page.reload()
    open_chat(page, app_server)
    expect(page.get_by_text("Stopped: the partial answer is kept.")).to_be_visible(timeout=60_000)


def test_export_downloads_the_conversation(page, app_server):
    box = open_chat(page, app_server)
    send(page, box, "Export me: the word is marmalade.")
    wait_for_the_answer(page, "Export me: the word is marmalade.")
    page.get_by_text("Manage this conversation").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export Markdown").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# Export me: the word is marmalade.")
    assert "**User**" in text and "marmalade" in text and "**Assistant**" in text
