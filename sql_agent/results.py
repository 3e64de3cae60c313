"""A query's result as every source returns it: capped rows, with how many more were left out."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass


@dataclass
class QueryResult:
    columns: list[str]
    types: list[str]  # the engine's type names, e.g. "BIGINT", "VARCHAR", "DATE", "DECIMAL(18,2)"
    rows: list[tuple]
    more_rows: int = 0  # rows the query produced beyond `rows`
    more_rows_exact: bool = True  # False: counting stopped at a bound, there are at least more_rows
    first_page_s: float = 0.0
    elapsed_s: float = 0.0

    @property
    def truncation_note(self) -> str:
        if not self.more_rows:
            return ""
        at_least = "" if self.more_rows_exact else "at least "
        plural = "s" if self.more_rows != 1 else ""
        return f"{at_least}{self.more_rows:,} more row{plural} not shown"

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()

    def to_dataframe(self):
        """A DataFrame for tables and charts: DECIMAL values become floats (Vega-Lite needs numbers)."""
        import decimal

        import pandas as pd

        rows = [tuple(float(v) if isinstance(v, decimal.Decimal) else v for v in r) for r in self.rows]
        return pd.DataFrame.from_records(rows, columns=_unique(self.columns))


def _unique(columns: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for c in columns:
        seen[c] = seen.get(c, 0) + 1
        out.append(c if seen[c] == 1 else f"{c}_{seen[c]}")
    return out
