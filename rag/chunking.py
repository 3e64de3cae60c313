"""Split a document into chunks that follow its structure and always fit the embedder's input.

Sections (a heading's or a page's blocks) are packed paragraph by paragraph; a paragraph that is
too long is split at sentences, a sentence that is too long at words. Sizes are measured with the
embedder's own tokenizer on the exact text it will embed (heading included), so no chunk is ever
truncated by the model. Each chunk is a literal slice of the document text, which keeps its
character offsets exact, and starts with the previous chunk's last sentence when that is short.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from .types import Chunk, LoadedDocument, embed_prefix

TARGET_TOKENS = 160  # MiniLM was trained on short passages; smaller chunks retrieve more precisely
OVERLAP_TOKENS = 48
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n")


@dataclass(frozen=True)
class _Unit:
    start: int  # offsets into the document text
    end: int
    tokens: int


def chunk_document(
    doc: LoadedDocument,
    count_tokens: Callable[[str], int],
    max_tokens: int,
    target_tokens: int = TARGET_TOKENS,
) -> list[Chunk]:
    text, title = doc.text, doc.title
    target = min(target_tokens, max_tokens)
    chunks: list[Chunk] = []
    offset = 0
    section: list[tuple[int, int]] = []
    key: tuple | None = None
    for block in doc.blocks:
        start, offset = offset, offset + len(block.text) + 2
        if block.is_heading or (block.page, block.heading) != key:
            chunks += _pack_section(text, section, key, title, count_tokens, max_tokens, target)
            section, key = [], (block.page, block.heading)
        if not block.is_heading:
            section.append((start, start + len(block.text)))
    chunks += _pack_section(text, section, key, title, count_tokens, max_tokens, target)
    if not chunks and any(b.is_heading for b in doc.blocks):  # only headings: index them as text
        plain = [replace(b, is_heading=False, heading=None) for b in doc.blocks]
        return chunk_document(replace(doc, blocks=plain), count_tokens, max_tokens, target_tokens)
    return chunks


def _pack_section(text, spans, key, title, count_tokens, max_tokens, target) -> list[Chunk]:
    if not spans:
        return []
    page, heading = key
    lines = embed_prefix(title, heading)
    prefix = count_tokens(lines) - 1 if lines else 0  # what the title and heading lines add, and one spare
    budget = max_tokens - prefix
    units: list[_Unit] = []
    for start, end in spans:
        units += _units(text, start, end, count_tokens, budget)
    chunks: list[Chunk] = []
    current: list[_Unit] = []
    for unit in units:
        if current and _cost(current + [unit]) + prefix > target:
            chunks += _make_chunks(text, current, page, heading, title, count_tokens, max_tokens)
            tail = _sentences(text, current[-1], count_tokens, budget)[-1]
            overlap = [tail] if tail.tokens <= OVERLAP_TOKENS and tail.start > current[0].start else []
            current = overlap if _cost(overlap + [unit]) + prefix <= target else []
        current.append(unit)
    chunks += _make_chunks(text, current, page, heading, title, count_tokens, max_tokens)
    return chunks


def _cost(units: list[_Unit]) -> int:
    # Each unit's count includes [CLS] and [SEP]; a joined chunk pays for them once.
    return sum(u.tokens - 2 for u in units) + 2


def _make_chunks(text, units, page, heading, title, count_tokens, max_tokens) -> list[Chunk]:
    start, end = units[0].start, units[-1].end
    chunk = Chunk(text[start:end], page, heading, start, end, 0, title)
    tokens = count_tokens(chunk.embed_text)
    if tokens > max_tokens and len(units) > 1:  # summed counts can be off at joins; trust the tokenizer
        half = len(units) // 2
        return _make_chunks(
            text, units[:half], page, heading, title, count_tokens, max_tokens
        ) + _make_chunks(text, units[half:], page, heading, title, count_tokens, max_tokens)
    return [Chunk(chunk.text, page, heading, start, end, tokens, title)]


def _units(text, start, end, count_tokens, budget) -> list[_Unit]:
    """A paragraph as one unit when it fits, else its sentences, else word windows."""
    whole = _Unit(start, end, count_tokens(text[start:end]))
    if whole.tokens <= budget:
        return [whole]
    units = []
    for sentence in _sentences(text, whole, count_tokens, budget):
        units += (
            [sentence] if sentence.tokens <= budget else _word_windows(text, sentence, count_tokens, budget)
        )
    return units


def _sentences(text, unit: _Unit, count_tokens, budget) -> list[_Unit]:
    pieces, start = [], unit.start
    for match in _SENTENCE_END.finditer(text, unit.start, unit.end):
        if match.start() > start:
            pieces.append((start, match.start()))
        start = match.end()
    if start < unit.end:
        pieces.append((start, unit.end))
    return [_Unit(s, e, count_tokens(text[s:e])) for s, e in pieces] or [unit]


def _word_windows(text, unit: _Unit, count_tokens, budget) -> list[_Unit]:
    """Greedy windows of whole words, each the longest that fits `budget` tokens."""
    words = [m.span() for m in re.finditer(r"\S+", text[unit.start : unit.end])]
    windows, i = [], 0
    while i < len(words):
        lo, hi = i, len(words) - 1  # binary search for the last word that still fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if count_tokens(text[unit.start + words[i][0] : unit.start + words[mid][1]]) <= budget:
                lo = mid
            else:
                hi = mid - 1
        s, e = unit.start + words[i][0], unit.start + words[lo][1]
        if count_tokens(text[s:e]) > budget:  # one "word" longer than the budget: cut it by characters
            e = s + max(1, len(text[s:e]) * budget // count_tokens(text[s:e]) - 1)
            windows.append(_Unit(s, e, count_tokens(text[s:e])))
            words[i] = (e - unit.start, words[i][1])
            continue
        windows.append(_Unit(s, e, count_tokens(text[s:e])))
        i = lo + 1
    return windows
