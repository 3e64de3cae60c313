"""Loading files: each format gives its visible text with pages and headings; Unicode is normalised."""

from __future__ import annotations

from pdf_helpers import make_pdf

from rag.loaders import load_document


def test_markdown_keeps_headings_as_context():
    doc = load_document("guide.md", b"# Setup\n\nInstall the app.\n\n## Network\n\nOpen port 8501.\n")
    body = [(b.heading, b.text) for b in doc.blocks if not b.is_heading]
    assert body == [("Setup", "Install the app."), ("Network", "Open port 8501.")]


def test_html_gives_only_visible_text():
    html = b"""<html><head><title>T</title><style>p{color:red}</style></head><body>
    <h1>Opening hours</h1><p>We open at <b>9am</b>.</p><script>var secret = 'x';</script>
    <div hidden>internal note</div><p style="display: none">also hidden</p><ul><li>Closed on Sundays</li></ul>
    </body></html>"""
    doc = load_document("hours.html", html)
    text = doc.text
    assert "We open at 9am." in text and "Closed on Sundays" in text
    for invisible in ("color:red", "secret", "internal note", "also hidden", "T\n"):
        assert invisible not in text
    assert doc.blocks[-1].heading == "Opening hours"


def test_pdf_keeps_page_numbers():
    data = make_pdf(["The first page talks about apples.", "The second page talks about pears."])
    doc = load_document("fruit.pdf", data)
    assert doc.pages == 2
    assert [(b.page, b.text) for b in doc.blocks] == [
        (1, "The first page talks about apples."),
        (2, "The second page talks about pears."),
    ]


def test_pdf_with_a_scanned_page_keeps_the_text_pages():
    doc = load_document("mixed.pdf", make_pdf([None, "Only the second page has text."]))
    assert [b.page for b in doc.blocks] == [2]


def test_unicode_and_whitespace_are_normalised():
    raw = "Ｆｕｌｌ\u00a0width  ﬁle\t\tname\r\n\r\n\r\n\r\nnext   paragraph\u200b".encode()
    doc = load_document("notes.txt", raw)
    assert doc.text == "Full width file name\n\nnext paragraph"


def test_utf16_with_byte_order_mark_is_read():
    doc = load_document("notes.txt", "Grüße aus Köln".encode("utf-16"))
    assert doc.text == "Grüße aus Köln"


def test_same_bytes_same_hash_and_changed_bytes_new_hash():
    a = load_document("a.txt", b"hello there")
    assert a.content_hash == load_document("b.txt", b"hello there").content_hash
    assert a.content_hash != load_document("a.txt", b"hello there!").content_hash
