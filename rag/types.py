"""The values rag passes around: loaded blocks, chunks, search hits."""

from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass(frozen=True)
class Chunk:
    text: str  # exactly text[char_start:char_end] of the document
    page: int | None
    heading: str | None
    char_start: int
    char_end: int
    tokens: int  # of embed_text, measured with the embedder's tokenizer

    @property
    def embed_text(self) -> str:
        return f"{self.heading}\n{self.text}" if self.heading else self.text


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
