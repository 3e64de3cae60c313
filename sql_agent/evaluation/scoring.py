"""Spider test-suite style comparison of two results: rows as a multiset (ordered only when the gold
query orders them), columns in any order, floats rounded. Rows the gold's ORDER BY leaves tied may
come in any order: SQL does not fix it, and DuckDB returned defog-89's tied rows in a different order
from one run to the next for the same query."""

from __future__ import annotations

import datetime as dt
import decimal
from collections import Counter
from collections.abc import Callable, Sequence

from sqlglot import exp

TIE_KEY = "floe_tie_key_{}"


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


def results_match(
    gold: list[tuple], pred: list[tuple], ordered: bool, ties: Sequence[int] | None = None
) -> bool:
    """`ties`: for an ordered gold, a block number per gold row; rows sharing one may swap places."""
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
    if ordered and ties is not None and len(ties) == len(gold_n):
        return all(
            Counter(map(_key, pred_p[start:end])) == Counter(map(_key, gold_n[start:end]))
            for start, end in _blocks(ties)
        )
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


def tie_blocks(
    tree: exp.Expression, rows: list[tuple], run: Callable[[str], list[tuple]]
) -> list[int] | None:
    """A block number per row of the ordered gold `tree` (which returned `rows`): rows with equal
    ORDER BY values share one. Keys that are output columns are read from `rows`; others are added
    as extra output columns and the query run again (`run`). None when that cannot be done safely
    (DISTINCT, set operations, a different result): the order is then compared row for row."""
    order = tree.args.get("order")
    if not order or not isinstance(tree, exp.Select) or not rows:
        return None
    projections = tree.expressions
    if any(isinstance(p, exp.Star) or (isinstance(p, exp.Column) and p.is_star) for p in projections):
        return None  # SELECT * or t.*: the output columns are not known from the text
    found, missing = [], []
    for ordered in order.expressions:
        key = ordered.this
        index = _output_index(key, projections)
        (found if index is not None else missing).append(index if index is not None else key)
    keyed = rows
    if missing:
        if tree.args.get("distinct"):
            return None
        wider = tree.copy()
        for i, key in enumerate(missing):
            wider.select(exp.alias_(key.copy(), TIE_KEY.format(i)), copy=False)
        try:
            keyed = run(wider.sql(dialect="duckdb"))
        except Exception:  # any failure: no tie information, strict order
            return None
        width = len(projections)
        found += list(range(width, width + len(missing)))
    keys = [tuple(_key(normalise(r[i])) for i in found) for r in keyed]
    blocks, number = [], 0
    for i, k in enumerate(keys):
        if i and k != keys[i - 1]:
            number += 1
        blocks.append(number)
    if missing:  # the second run may order tied rows differently, never blocks differently
        again = [r[: len(projections)] for r in keyed]
        if len(again) != len(rows) or any(
            Counter(map(_key, again[a:b])) != Counter(map(_key, rows[a:b])) for a, b in _blocks(blocks)
        ):
            return None
    return blocks


def _output_index(key: exp.Expression, projections: list[exp.Expression]) -> int | None:
    """Which output column an ORDER BY key is: by position (ORDER BY 2), alias or same expression."""
    if isinstance(key, exp.Literal) and key.is_int:
        position = int(key.name) - 1
        return position if 0 <= position < len(projections) else None
    text = key.sql(dialect="duckdb").lower()
    for i, p in enumerate(projections):
        if isinstance(key, exp.Column) and not key.table and p.alias_or_name.lower() == key.name.lower():
            return i
        if p.unalias().sql(dialect="duckdb").lower() == text:
            return i
    return None


def _blocks(ties: Sequence[int]) -> list[tuple[int, int]]:
    """(start, end) of each run of equal block numbers."""
    spans, start = [], 0
    for i in range(1, len(ties) + 1):
        if i == len(ties) or ties[i] != ties[start]:
            spans.append((start, i))
            start = i
    return spans
