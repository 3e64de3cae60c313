"""The visible text of an HTML page as paragraph and heading blocks (stdlib parser, no network)."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

from .types import Block

_INVISIBLE = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_BREAKS = {
    "p", "div", "li", "ul", "ol", "br", "tr", "td", "th", "table", "section", "article", "header", "footer",
    "main", "nav", "aside", "pre", "blockquote", "dd", "dt", "dl", "figure", "figcaption", "hr", "form",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[tuple[str, bool]] = []  # (text, is_heading)
        self._buffer: list[str] = []
        self._hidden: list[str] = []  # open elements whose content is not shown
        self._in_heading = False

    def _flush(self):
        text = "".join(self._buffer).strip()
        if text:
            self.parts.append((text, self._in_heading))
        self._buffer = []

    def handle_starttag(self, tag, attrs):
        if self._hidden:
            if tag == self._hidden[-1] and tag not in _VOID:
                self._hidden.append(tag)
            return
        attrs = dict(attrs)
        style = (attrs.get("style") or "").replace(" ", "").lower()
        hidden = "hidden" in attrs or "display:none" in style or attrs.get("aria-hidden") == "true"
        if tag in _INVISIBLE or (hidden and tag not in _VOID):
            self._hidden.append(tag)
            return
        if tag in _HEADINGS:
            self._flush()
            self._in_heading = True
        elif tag in _BREAKS:
            self._flush()

    def handle_endtag(self, tag):
        if self._hidden:
            if tag == self._hidden[-1]:
                self._hidden.pop()
            return
        if tag in _HEADINGS:
            self._flush()
            self._in_heading = False
        elif tag in _BREAKS:
            self._flush()

    def handle_data(self, data):
        if not self._hidden:
            self._buffer.append(data)

    def close(self):
        super().close()
        self._flush()


def html_blocks(html: str, normalize: Callable[[str], str]) -> list[Block]:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    blocks, heading = [], None
    for raw, is_heading in parser.parts:
        text = normalize(" ".join(raw.split()))
        if not text:
            continue
        if is_heading:
            heading = text
        blocks.append(Block(text, None, heading, is_heading=is_heading))
    return blocks
