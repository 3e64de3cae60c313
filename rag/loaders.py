"""Turn an uploaded file into normalised text blocks (paragraphs and headings, with pages), or reject it.

Every rejection raises RejectedFile with a message that says what is wrong and what to do;
nothing here touches the store, so a rejected file can never damage an index.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from pathlib import Path

from .errors import RejectedFile
from .html_text import html_blocks
from .types import Block, LoadedDocument

MAX_FILE_BYTES = 25 * 1024 * 1024
SUPPORTED = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
}

# Signatures of common binary formats, to name what a mislabelled file really is.
_MAGIC = {
    b"%PDF": "a PDF",
    b"PK\x03\x04": "a ZIP archive (for example .docx or .xlsx)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x7fELF": "a program",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def normalize_text(text: str) -> str:
    """NFKC, one kind of newline, no control characters, single spaces, at most one blank line."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", text.replace("\t", " ").replace("\u00a0", " "))
    text = re.sub(r"[ \u2000-\u200b\u3000]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def load_path(path: str | Path, max_bytes: int = MAX_FILE_BYTES) -> LoadedDocument:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:  # checked before reading, so a huge file is never loaded into memory
            raise RejectedFile(_too_big(size, max_bytes))
        data = path.read_bytes()
    except OSError as exc:
        raise RejectedFile(f"Cannot read {path.name}: {exc.strerror or exc}.") from None
    return load_document(path.name, data, max_bytes)


def load_document(name: str, data: bytes, max_bytes: int = MAX_FILE_BYTES) -> LoadedDocument:
    suffix = Path(name).suffix.lower()
    kind = SUPPORTED.get(suffix)
    if kind is None:
        shown = suffix or "(no extension)"
        raise RejectedFile(f"Unsupported file type {shown}. Supported: {', '.join(sorted(set(SUPPORTED)))}.")
    if not data:
        raise RejectedFile("The file is empty.")
    if len(data) > max_bytes:
        raise RejectedFile(_too_big(len(data), max_bytes))
    if kind == "pdf":
        blocks, pages = _pdf_blocks(data)
    else:
        text = _decode_text(data)
        blocks = html_blocks(text, normalize_text) if kind == "html" else _text_blocks(text, kind)
        pages = None
    if not blocks:
        raise RejectedFile("The file contains no text.")
    digest = hashlib.sha256(data).hexdigest()
    return LoadedDocument(name, kind, len(data), digest, pages, blocks)


def _too_big(size: int, max_bytes: int) -> str:
    return f"The file is {_human(size)}; the limit is {_human(max_bytes)}. Split it into smaller files."


def _human(n: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.{0 if n % scale == 0 else 1}f} {unit}"
    return f"{n} bytes"


def _decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise RejectedFile("The file claims to be UTF-16 text but cannot be decoded.") from None
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise RejectedFile(f"This is {what}, not text; give it its real extension.")
    head = data[:8192]
    if b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) * 0.05:
        raise RejectedFile("This looks like a binary file, not text.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RejectedFile(
            f"The text is not UTF-8 (invalid byte 0x{data[exc.start]:02x} at position {exc.start}). "
            "Save it as UTF-8 and upload it again."
        ) from None


def _text_blocks(raw: str, kind: str) -> list[Block]:
    blocks: list[Block] = []
    heading = None
    for para in paragraphs(normalize_text(raw)):
        lines = para.split("\n")
        body: list[str] = []
        for line in lines:
            match = _MD_HEADING.match(line) if kind == "markdown" else None
            title = (
                match.group(2) if match else (para if kind == "text" and _looks_like_title(para) else None)
            )
            if title:
                if body:
                    blocks.append(Block("\n".join(body), None, heading))
                    body = []
                heading = title
                blocks.append(Block(heading, None, heading, is_heading=True))
            else:
                body.append(line)
        if body:
            blocks.append(Block("\n".join(body), None, heading))
    return blocks


def _looks_like_title(para: str) -> bool:
    """A plain-text heading: one short line standing alone, not ending like a sentence."""
    return "\n" not in para and len(para) <= 80 and len(para.split()) <= 10 and para[-1] not in ".!?,;:"


def _pdf_blocks(data: bytes) -> tuple[list[Block], int]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    if not data.lstrip()[:1024].count(b"%PDF"):
        raise RejectedFile("This is not a PDF file (no PDF header); check the file.")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            # An empty user password opens "permissions-only" PDFs; anything else needs the password.
            raise RejectedFile("The PDF is password-protected. Remove the password and upload it again.")
        page_texts = [page.extract_text() or "" for page in reader.pages]
    except RejectedFile:
        raise
    except FileNotDecryptedError:
        raise RejectedFile(
            "The PDF is password-protected. Remove the password and upload it again."
        ) from None
    except (PdfReadError, Exception) as exc:  # pypdf raises many kinds on damaged files
        raise RejectedFile(f"The PDF is damaged and cannot be read ({type(exc).__name__}).") from None
    if not page_texts:
        raise RejectedFile("The PDF is damaged and cannot be read (it has no pages).")
    blocks: list[Block] = []
    for number, raw in enumerate(page_texts, start=1):
        text = re.sub(r"(\w)-\n(\w)", r"\1\2", normalize_text(raw))  # re-join words hyphenated at line ends
        for para in paragraphs(text):
            blocks.append(Block(para, number, None))
    if not blocks:
        raise RejectedFile(
            f"The PDF's {len(page_texts)} page(s) have no text layer (a scan?). Run OCR on it first."
        )
    return blocks, len(page_texts)
