"""Tiny PDF writer for the tests: real text pages (Helvetica), blank "scanned" pages, encryption.

Built on pypdf's object model so the tests need no PDF-generating dependency.
"""

from __future__ import annotations

import io
import textwrap

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _text_stream(text: str) -> bytes:
    ops = ["BT", "/F1 11 Tf", "72 740 Td", "14 TL"]
    for paragraph in text.split("\n\n"):
        for line in textwrap.wrap(paragraph, 90) or [""]:
            ops.append(f"({_escape(line)}) Tj T*")
        ops.append("T*")  # a blank line between paragraphs
    ops.append("ET")
    return "\n".join(ops).encode("latin-1")


def make_pdf(pages: list[str | None], password: str | None = None) -> bytes:
    """A PDF with one page per item: text (ASCII/Latin-1) or None for a page without a text layer."""
    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    font_ref = writer._add_object(font)
    for text in pages:
        page = writer.add_blank_page(612, 792)
        if text is None:
            continue
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})}
        )
        stream = StreamObject()
        stream.set_data(_text_stream(text))
        page[NameObject("/Contents")] = writer._add_object(stream)
    if password:
        writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
