"""The values rag passes around: loaded blocks, chunks, search hits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath


@dataclass(frozen=True)
class Block:
    text: str
    page: int | None  # 1-based PDF page; None for formats without pages
    heading: str | None  # the nearest heading above this block
    is_heading: bool = False


@dataclass(frozen=True)
class LoadedDocument:
    name: str
    kind: str
    size_bytes: int
    content_hash: str
    pages: int | None
    blocks: list[Block]

    @property
    def text(self) -> str:
        """The document's normalised text; chunk offsets point into it."""
        return "\n\n".join(b.text for b in self.blocks)

    @property
    def title(self) -> str:
        """What the document calls itself: a heading or short line that opens it, else its file name.
        Look-alike documents (two vendors' FAQs, a policy and its draft) often differ only here."""
        first = self.blocks[0] if self.blocks else None
        if first and first.page in (None, 1) and (first.is_heading or _title_like(first.text)):
            return first.text
        return file_title(self.name)


@dataclass(frozen=True)
class Chunk:
    text: str  # exactly text[char_start:char_end] of the document
    page: int | None
    heading: str | None
    char_start: int
    char_end: int
    tokens: int  # of embed_text, measured with the embedder's tokenizer
    title: str | None = None  # the document's title, embedded with every chunk (see LoadedDocument.title)

    @property
    def embed_text(self) -> str:
        return embed_prefix(self.title, self.heading) + self.text


def embed_prefix(title: str | None, heading: str | None) -> str:
    """The lines embedded (and indexed for keywords) above a chunk's text: its document and section."""
    lines = [line for line in (title, heading) if line]
    if len(lines) == 2 and lines[0] == lines[1]:
        lines = lines[:1]
    return "".join(f"{line}\n" for line in lines)


def file_title(name: str) -> str:
    """A file name read as a title: "northwind_backup-faq.md" -> "northwind backup faq"."""
    return re.sub(r"[_\-.]+", " ", PurePath(name).stem).strip() or name


def _title_like(text: str) -> bool:
    return "\n" not in text and len(text) <= 120 and not text.rstrip().endswith((".", "!", "?"))


@dataclass
class Hit:
    chunk_id: int
    file: str
    page: int | None
    heading: str | None
    text: str
    char_start: int
    char_end: int
    score: float  # what ranks the hits: fused score for hybrid, cosine for vector
    vector_score: float | None = None  # cosine similarity, when the vector search saw this chunk
    keyword_score: float | None = None  # BM25, when the keyword search matched this chunk
    ranks: dict[str, int] = field(default_factory=dict)  # 1-based rank in each retriever
    title_score: float | None = None  # hybrid: how well the document's title matches the question (0-1)
    title: str | None = None  # the document's title

    @property
    def checked_text(self) -> str:
        """What an answer's sentence may be checked against: the passage under its title and section."""
        return embed_prefix(self.title, self.heading) + self.text

    def moved(self, rank: int) -> str | None:
        """How the fusion moved this hit against cosine alone: "up from 4th", "down from 1st", or None."""
        before = self.ranks.get("vector")
        if before is None:
            return "new: only the keywords found it"
        if before == rank:
            return None
        return f"{'up' if before > rank else 'down'} from {_ordinal(before)}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
