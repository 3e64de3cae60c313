"""Which of the given passages an answer cites: its [n] markers, plus a file the model named instead of
a number when the name (with the page or section it gives) points at exactly one of those passages.

Small models often write "(handbook.md)" where the prompt asked for [2]. Such a mention is rewritten
as the passage's number only when it is unambiguous, and only for passages the model was given.
"""

from __future__ import annotations

import re

from .types import Hit

_NUMBER = re.compile(r"\[(\d+)\]")
_PAGE = re.compile(r"\b(?:page|p\.)\s*(\d+)", re.I)
_OPENERS = {"(": ")", "[": "]"}
GROUP_PREFIX_CHARS = 24  # "(Source: handbook.md…": words allowed between the bracket and the name
GROUP_CHARS = 120  # how far a bracketed label may run after the name


def cite_passages(text: str, hits: list[Hit]) -> tuple[str, set[int]]:
    """The answer with unambiguous file mentions turned into [n], and the numbers of the passages it
    cites (numbers outside 1..len(hits) are not citations of anything the model was given)."""
    text = _number_file_mentions(text, hits)
    cited = {int(n) for n in _NUMBER.findall(text)}
    return text, cited & set(range(1, len(hits) + 1))


def _number_file_mentions(text: str, hits: list[Hit]) -> str:
    files = sorted({h.file for h in hits}, key=len, reverse=True)
    if not files:
        return text
    mentions = list(re.finditer("|".join(re.escape(f) for f in files), text, re.I))
    edits: list[tuple[int, int, str]] = []
    for m in mentions:
        group = _enclosing_group(text, m.start(), m.end())
        if group and any(o is not m and group[0] <= o.start() < group[1] for o in mentions):
            group = None  # one bracket naming several files: number each name, keep the bracket
        label = text[group[0] : group[1]] if group else _rest_of_clause(text, m.end())
        n = _the_one_passage(m.group(), label, hits)
        if n is None:
            continue
        if group:
            edits.append((group[0], group[1], f"[{n}]"))
        elif not text.startswith(f" [{n}]", m.end()):
            edits.append((m.end(), m.end(), f" [{n}]"))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _enclosing_group(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of "(…name…)" or "[…name…]" around a mention on one line, if there is one."""
    before = text[max(0, start - GROUP_PREFIX_CHARS) : start]
    opener_at = max(before.rfind(o) for o in _OPENERS)
    if opener_at < 0 or any(c in before[opener_at + 1 :] for c in ")]\n"):
        return None
    opener = before[opener_at]
    after = text[end : end + GROUP_CHARS]
    close_at = after.find(_OPENERS[opener])
    if close_at < 0 or any(c in after[:close_at] for c in "([\n"):
        return None
    return start - len(before) + opener_at, end + close_at + 1


def _rest_of_clause(text: str, end: int) -> str:
    """What follows a bare mention up to the end of its clause: where a page or section would be named."""
    return re.split(r"[.;:\n]\s|\n", text[end : end + GROUP_CHARS], maxsplit=1)[0]


def _the_one_passage(file: str, label: str, hits: list[Hit]) -> int | None:
    """The number of the only given passage from `file` that fits the page or section in `label`."""
    candidates = [n for n, h in enumerate(hits, start=1) if h.file.lower() == file.lower()]
    if len(candidates) > 1 and (page := _PAGE.search(label)):
        candidates = [n for n in candidates if hits[n - 1].page == int(page.group(1))]
    if len(candidates) > 1:
        named = [
            n for n in candidates if hits[n - 1].heading and hits[n - 1].heading.lower() in label.lower()
        ]
        candidates = named or candidates
    return candidates[0] if len(candidates) == 1 else None
