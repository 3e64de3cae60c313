"""Chooses a chart for a result by rules on its column types, as a Vega-Lite spec (data left out:
the page passes the table). Nothing here runs code a model wrote."""

from __future__ import annotations

from ..results import QueryResult

TEMPORAL = ("DATE", "TIMESTAMP", "TIME")
QUANTITATIVE = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "REAL", "DECIMAL", "NUMBER", "INT", "FIXED")  # fmt: skip
MAX_BARS = 50


def column_kind(type_name: str) -> str:
    upper = type_name.upper()
    if upper.startswith("INTERVAL"):  # a duration: not a number to sum or plot, though it starts with "INT"
        return "nominal"
    if upper.startswith(TEMPORAL):
        return "temporal"
    if upper.startswith(QUANTITATIVE):
        return "quantitative"
    return "nominal"


def choose_chart(result: QueryResult) -> dict | None:
    """A Vega-Lite spec, or None when a table says it better (one value, no rows, no measure)."""
    if not result.rows or not result.columns:
        return None
    kinds = {c: column_kind(t) for c, t in zip(result.columns, result.types, strict=False)}
    temporal = [c for c, k in kinds.items() if k == "temporal"]
    numbers = [c for c, k in kinds.items() if k == "quantitative" and not _looks_like_id(c)]
    labels = [c for c, k in kinds.items() if k == "nominal"]
    # a year column (2021, 2022...) reads best on an ordinal axis
    years = [c for c in numbers if _looks_like_year(c, result)]
    numbers = [c for c in numbers if c not in years]
    if len(result.rows) == 1 and not (labels or temporal or years):
        return None
    if not numbers:
        return None
    y = numbers[0]
    title = f"{y} by " if len(result.rows) > 1 else ""

    if temporal or years:
        x = (temporal or years)[0]
        x_type = "temporal" if temporal else "ordinal"
        spec = _spec("line", {"x": _field(x, x_type), "y": _field(y, "quantitative")}, title + x)
        spec["mark"] = {"type": "line", "point": True}
        if labels and _distinct(result, labels[0]) <= 10:
            spec["encoding"]["color"] = _field(labels[0], "nominal")
        return spec
    if labels and len(result.rows) <= MAX_BARS:
        x = labels[0]
        encoding = {"y": {**_field(x, "nominal"), "sort": "-x"}, "x": _field(y, "quantitative")}
        return _spec("bar", encoding, title + x)
    if len(numbers) >= 2:
        return _spec("point", {"x": _field(numbers[0], "quantitative"), "y": _field(numbers[1], "quantitative")},
                     f"{numbers[1]} against {numbers[0]}")  # fmt: skip
    if len(result.rows) > 1:
        encoding = {
            "x": {**_field(y, "quantitative"), "bin": True},
            "y": {"aggregate": "count", "type": "quantitative"},
        }
        return _spec("bar", encoding, f"distribution of {y}")
    return None


def _spec(mark: str, encoding: dict, title: str) -> dict:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": title,
        "mark": {"type": mark, "tooltip": True},
        "encoding": encoding,
    }


def _field(name: str, kind: str) -> dict:
    return {"field": name, "type": kind}


def _looks_like_id(name: str) -> bool:
    lowered = name.lower()
    return lowered == "id" or lowered.endswith("_id")


def _looks_like_year(name: str, result: QueryResult) -> bool:
    if "year" not in name.lower():
        return False
    i = result.columns.index(name)
    return all(isinstance(r[i], int) and 1900 <= r[i] <= 2200 for r in result.rows if r[i] is not None)


def _distinct(result: QueryResult, name: str) -> int:
    i = result.columns.index(name)
    return len({r[i] for r in result.rows})
