"""Two `streamlit run` servers on different ports sharing one PostgreSQL (FLOE_DATABASE_URL), as a team
runs Floe behind a load balancer: what one user makes on one server (a chat, an analysis, a
document) is there on the other, and a usage limit is counted once across both. One user here is the deployment's declared local user
(FLOE_CONVERSATION_SCOPE=local), the owner a signed-in account would be."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ANSWER_TIMEOUT_MS, open_app_page, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DONE = re.compile(r"tok/s|out tokens")
QUESTION = "Which product categories bring in the most revenue?"  # verified: answered without the model
OFFSITE = b"# Team offsite\n\nThe offsite is at the Hotel Miradouro in Lisbon, 12 to 14 May.\n"


def send(page, text: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    expect(box).to_be_enabled(timeout=120_000)
    box.fill(text)
    box.press("Enter")


def test_two_servers_on_one_database_show_one_history_and_count_the_limit_once(page, tmp_path, postgres_url):
    team = {
        "FLOE_DATABASE_URL": postgres_url,
        "FLOE_CONVERSATION_SCOPE": "local",
        "FLOE_LIMIT_MESSAGES_PER_HOUR": "1",
    }
    with (
        running_app(tmp_path / "server-a", **team) as first,
        running_app(tmp_path / "server-b", **team) as second,
    ):
        open_app_page(page, first, "Ask your data")
        page.get_by_role("button", name=QUESTION).click()
        expect(page.get_by_text(re.compile(r"The highest revenue is"))).to_be_visible(timeout=120_000)
        open_app_page(page, first, "Chat")
        send(page, "Remember: the team offsite is in Lisbon.")
        expect(page.get_by_test_id("stChatMessage").nth(1)).to_contain_text(DONE, timeout=ANSWER_TIMEOUT_MS)

        open_app_page(page, second, "Chat")
        messages = page.get_by_test_id("stChatMessage")
        expect(messages.first).to_contain_text("the team offsite is in Lisbon")
        expect(messages.nth(1)).to_contain_text(DONE)
        send(page, "And when is it?")  # the hour's one message was spent on the other server
        expect(page.get_by_text("You have reached this demo's limit of 1 message per hour.")).to_be_visible(
            timeout=120_000
        )

        open_app_page(page, second, "Ask your data")
        expect(page.get_by_role("combobox", name="Analysis")).to_match_aria_snapshot(
            f'- combobox "Analysis": {QUESTION[:48]}'
        )
        expect(page.get_by_test_id("stChatMessage").first).to_contain_text(QUESTION)

        page.goto(first + "/documents")
        expect(page.get_by_role("heading", name="Your documents (0)")).to_be_visible(timeout=120_000)
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
            [{"name": "offsite.md", "mimeType": "text/markdown", "buffer": OFFSITE}]
        )
        expect(page.get_by_role("button", name="Remove offsite.md")).to_be_visible()  # the upload is done
        page.get_by_role("button", name="Add to the index").click()
        expect(page.get_by_role("heading", name="Your documents (1)")).to_be_visible(timeout=120_000)
        page.goto(second + "/documents")
        expect(page.get_by_role("heading", name="Your documents (1)")).to_be_visible(timeout=120_000)
        page.get_by_label("Question").fill("Which hotel is the offsite in?")
        page.get_by_role("button", name="Ask").click()
        expect(page.get_by_text("[1] offsite.md", exact=False).first).to_be_visible(timeout=120_000)
