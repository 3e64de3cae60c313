"""What a person sees in Chromium on the Documents page: upload a file, ask, open the cited passage."""

from __future__ import annotations

import pytest
from pdf_helpers import make_pdf
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, wait_until_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MANUAL = make_pdf(
    [
        "Welcome to the kettle manual.",
        "To descale the kettle, boil a mixture of water and white vinegar, then rinse twice.",
    ]
)


def test_upload_ask_and_see_a_cited_answer(page, app_server):
    page.goto(app_server + "/documents")
    dropzone = page.get_by_test_id("stFileUploaderDropzoneInput")
    expect(page.get_by_role("heading", name="Documents", exact=True)).to_be_visible(timeout=90_000)
    expect(page.get_by_role("heading", name="Your documents (0)")).to_be_visible()  # a fresh store
    dropzone.set_input_files([{"name": "kettle-manual.pdf", "mimeType": "application/pdf", "buffer": MANUAL}])
    expect(page.get_by_role("button", name="Remove kettle-manual.pdf")).to_be_visible()  # the upload finished
    page.get_by_role("button", name="Add to the index").click()
    expect(page.get_by_text("kettle-manual.pdf: added, 2 chunks.")).to_be_visible(timeout=120_000)
    expect(page.get_by_role("heading", name="Your documents (1)")).to_be_visible()

    page.get_by_label("Question").fill("How do I get limescale out of the kettle?")
    page.get_by_role("button", name="Ask").click()
    expect(page.get_by_text("Extractive answer.", exact=False)).to_be_visible(timeout=120_000)
    citation = page.get_by_text("[1] kettle-manual.pdf — page 2")
    expect(citation).to_be_visible()
    citation.click()
    expect(page.locator("details", has=citation)).to_have_attribute("open", "")
    expect(
        page.get_by_text("To descale the kettle, boil a mixture of water and white vinegar").last
    ).to_be_visible()
    wait_until_idle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    # animations="disabled" finishes the expander's opening transition before the capture
    page.screenshot(path=str(ARTIFACTS / "documents.png"), full_page=True, animations="disabled")
