"""Results compared across several replies to one question: execution-guided selection among
candidates, and the agreement check behind "confident" (do sampled readings of the question find
the same rows?)."""

from __future__ import annotations

from ..results import QueryResult


def result_key(result: QueryResult) -> tuple:
    """A result's rows as a multiset, columns in any order, floats rounded: two queries that answer
    alike share a key even when they name or order their columns differently."""

    def cell(v):
        return repr(round(v, 6) if isinstance(v, float) else v)

    return tuple(sorted(tuple(sorted(cell(v) for v in row)) for row in result.rows[:1000]))


def groups(trials) -> dict[tuple, list[int]]:
    """(reply, attempt, trial answer) triples grouped by the key of the result each found."""
    found: dict[tuple, list[int]] = {}
    for i, (_, attempt, trial) in enumerate(trials):
        if attempt.outcome == "ok" and trial.result is not None:
            found.setdefault(result_key(trial.result), []).append(i)
    return found


def agreeing(trials) -> bool:
    return any(len(members) >= 2 for key, members in groups(trials).items() if key)


def by_agreement(trials):
    """The trial whose result most runnable trials share, a non-empty result before an empty one."""
    found = groups(trials)
    if not found:
        return trials[0]  # nothing ran: the greedy reply goes on to repair
    best = max(found.items(), key=lambda kv: (bool(kv[0]), len(kv[1]), -kv[1][0]))
    return trials[best[1][0]]
