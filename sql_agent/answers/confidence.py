"""How sure Floe is of an answer, from signals it already has: whether the first query ran, how many
repairs it took, whether the result is empty, and whether every text literal is a value of its
column. The rule was chosen on the first half of each evaluation suite and reported on the second
(bench/confidence.py; docs/evaluation.md)."""

from __future__ import annotations

from dataclasses import dataclass

CONFIDENT, UNSURE = "confident", "unsure"
AGREEING_NEEDED = 1.0  # the share of sampled readings that must find the same rows (chosen on first halves)


@dataclass(frozen=True)
class Signals:
    verified: bool  # a verified query answered: confident by definition
    ran: bool  # a query ran (the answer has a result)
    repairs: int  # attempts after the first
    empty: bool  # the result has no rows
    ungrounded: int  # text literals compared with a column that does not hold them
    agreement: tuple[int, int] = (0, 0)  # sampled readings that found the same rows, of those sampled
    from_reading: bool = False  # the first reading's queries all failed; a sampled reading answered


def confidence(s: Signals) -> tuple[str, str]:
    """("confident" | "unsure", why, in words a person reads beside the answer)."""
    if s.verified:
        return CONFIDENT, "a verified query answered it"
    if not s.ran:
        return UNSURE, "no query ran"
    if s.from_reading:
        return UNSURE, "no query of Floe's first reading ran, even repaired; this is another reading's answer"
    reasons = []
    if s.repairs:
        reasons.append(
            f"the first query failed and was repaired {'once' if s.repairs == 1 else f'{s.repairs} times'}"
        )
    if s.empty:
        reasons.append("the result is empty")
    if s.ungrounded:
        reasons.append("a value it compares with is not in the data")
    agreeing, sampled = s.agreement
    if sampled and agreeing < AGREEING_NEEDED * sampled:
        reasons.append(
            f"{sampled - agreeing} of {sampled} other readings of the question did not find the same rows"
        )
    if reasons:
        return UNSURE, "; ".join(reasons)
    return CONFIDENT, "the first query ran, found rows and every value it names is in the data"
