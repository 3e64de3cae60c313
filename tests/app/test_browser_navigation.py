"""What a person sees in Chromium when they open a page by its address (a bookmark, a shared link):
the page itself and the app's navigation by title, never a list of the app's file names."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.app.test_browser_crash import serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TITLES = ["Chat", "Ask your data", "Documents", "Settings"]


@pytest.mark.parametrize(("path", "heading"), [("ask_data", "Ask your data"), ("documents", "Documents")])
def test_a_page_opened_by_its_address_shows_the_navigation_by_title(page, tmp_path, path, heading):
    url, server = serve(tmp_path, f"nav-{path}.log")
    with server:
        page.goto(f"{url.rstrip('/')}/{path}")
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=120_000)
        links = page.get_by_test_id("stSidebarNavLink")
        expect(links).to_have_count(len(TITLES))
        for link, title in zip(links.all(), TITLES, strict=True):
            expect(link).to_contain_text(title)
