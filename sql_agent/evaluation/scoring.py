"""Spider test-suite style comparison of two results: rows as a multiset (ordered only when the gold
query orders them), columns in any order, floats rounded."""

from __future__ import annotations

import datetime as dt
import decimal
from collections import Counter

from sqlglot import exp


def normalise(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, decimal.Decimal)):
        number = float(value)
        return round(number, 6) if number == number else "NaN"
    if isinstance(value, int):
        return value
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return tuple(normalise(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), normalise(v)) for k, v in value.items()))
    return value if value is None else str(value)


def results_match(gold: list[tuple], pred: list[tuple], ordered: bool) -> bool:
    gold_n = [tuple(normalise(v) for v in r) for r in gold]
    pred_n = [tuple(normalise(v) for v in r) for r in pred]
    if len(gold_n) != len(pred_n):
        return False
    if not gold_n:
        return True
    width = len(gold_n[0])
    if len(pred_n[0]) != width:
        return False
    permutation = _column_permutation(gold_n, pred_n, width)
    if permutation is None:
        return False
    pred_p = [tuple(r[i] for i in permutation) for r in pred_n]
    if ordered:
        return pred_p == gold_n
    return Counter(map(_key, pred_p)) == Counter(map(_key, gold_n))


def _column_permutation(gold, pred, width) -> list[int] | None:
    """For each gold column, a distinct pred column holding the same multiset of values."""
    gold_sig = [Counter(_key(r[i]) for r in gold) for i in range(width)]
    pred_sig = [Counter(_key(r[i]) for r in pred) for i in range(width)]
    used: set[int] = set()
    mapping = []
    for g in gold_sig:
        match = next((j for j in range(width) if j not in used and pred_sig[j] == g), None)
        if match is None:
            return None
        used.add(match)
        mapping.append(match)
    return mapping


def _key(value: object) -> str:
    return repr(value)


def gold_is_ordered(tree: exp.Expression) -> bool:
    """Row order counts when the outermost query has ORDER BY."""
    return bool(tree.args.get("order"))
