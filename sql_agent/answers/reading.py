"""A plain reading of a query, from its sqlglot tree and no model: what is counted or summed, from
which tables and how they are joined, the filters, the grouping, the order and the limit.

"For each month of orders.order_date: the sum of orders.amount; from orders; where the year of
orders.order_date is 2023; highest first." A person who does not read SQL can check it against the
question. It never fails on a query that parses: a part it has no words for is shown as SQL.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

AGGREGATES = {
    exp.Sum: "the sum of {}",
    exp.Avg: "the average of {}",
    exp.Max: "the highest {}",
    exp.Min: "the lowest {}",
    exp.Median: "the median of {}",
    exp.Stddev: "the standard deviation of {}",
    exp.Variance: "the variance of {}",
}
DATE_PARTS = {exp.Year: "year", exp.Month: "month", exp.Day: "day", exp.Quarter: "quarter", exp.Week: "week"}
COMPARISONS = {
    exp.EQ: "is",
    exp.NEQ: "is not",
    exp.GT: "is more than",
    exp.GTE: "is at least",
    exp.LT: "is less than",
    exp.LTE: "is at most",
}
SET_OPERATIONS = {
    exp.Union: "combined with",
    exp.Intersect: "that also appear in",
    exp.Except: "except those in",
}


def read_query(sql: str, dialect: str = "duckdb", labels: Mapping[str, str] | None = None) -> str:
    """The reading of `sql`; "" when it does not parse. `labels` maps lower-case column names
    (`orders.amount` or `amount`) to the words a semantic model gives them ("order total")."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return ""
    if tree is None:
        return ""
    text = _Reader(labels or {}, dialect).query(tree)
    return text[:1].upper() + text[1:] if text.startswith(STARTS) else text


STARTS = ("the ", "for each ", "every ", "using ")


class _Reader:
    def __init__(self, labels: Mapping[str, str], dialect: str):
        self.labels = {k.lower(): v for k, v in labels.items()}
        bare: dict[str, list[str]] = {}
        for key, words in self.labels.items():
            bare.setdefault(key.rsplit(".", 1)[-1], []).append(words)
        # an unqualified column takes its words when only one table's column has that name
        self.labels.update({k: v[0] for k, v in bare.items() if len(v) == 1 and k not in self.labels})
        self.dialect = dialect
        self.in_condition = False  # a truncated date compared is "the start of the month of"
        self.aliases: list[dict[str, str]] = []  # per SELECT being read: alias -> table name

    # -- queries ------------------------------------------------------------------------------------
    def query(self, node: exp.Expression) -> str:
        parts = []
        with_ = node.args.get("with_")
        if with_:
            for cte in with_.expressions:
                parts.append(f"using {cte.alias} ({self.query(cte.this).rstrip('.')})")
        if isinstance(node, exp.SetOperation):
            word = SET_OPERATIONS.get(type(node), "combined with")
            left, right = self.query(node.left).rstrip("."), self.query(node.right).rstrip(".")
            parts.append(f"{left}; {word}: {right}")
            parts += self._order_and_limit(node, [])
        elif isinstance(node, exp.Select):
            self.aliases.append(_table_aliases(node))
            try:
                parts += self._select(node)
            finally:
                self.aliases.pop()
        elif isinstance(node, exp.Subquery):
            return self.query(node.this)
        else:
            return node.sql(dialect=self.dialect)
        return "; ".join(p for p in parts if p) + "."

    def _select(self, node: exp.Select) -> list[str]:
        group = node.args.get("group")
        keys = [self._group_key(g, node) for g in group.expressions] if group else []
        # a grouping key shown again among the outputs is said once, after "for each"
        measures = [m for e in node.expressions if (m := self.expression(e)) and _bare(m) not in keys]
        what = ", ".join(measures) or ", ".join(keys)
        if node.args.get("distinct"):
            what = f"the distinct {what}"
        head = f"for each {_and([_without_article(k) for k in keys])}: {what}" if keys else what
        parts = [head, self._from(node)]
        where = node.args.get("where")
        if where:
            parts.append("where " + self.condition(where.this))
        having = node.args.get("having")
        if having:
            parts.append("keeping the groups where " + self.condition(having.this))
        parts += self._order_and_limit(node, node.expressions)
        return parts

    def _from(self, node: exp.Select) -> str:
        source = node.args.get("from_")
        if source is None:
            return ""
        text = "from " + self.source(source.this)
        for join in node.args.get("joins") or []:
            kind = join.args.get("side") or ""
            word = {
                "LEFT": "with any matching",
                "RIGHT": "kept whole, matched with",
                "FULL": "and all of",
            }.get(kind.upper(), "joined with")
            text += f", {word} {self.source(join.this)}"
            if on := join.args.get("on"):
                text += f" on {self.condition(on)}"
            elif using := join.args.get("using"):
                text += f" on the same {_and([u.name for u in using])}"
        return text

    def source(self, node: exp.Expression) -> str:
        if isinstance(node, exp.Table):
            return node.name
        if isinstance(node, exp.Subquery):
            inner = self.query(node.this).rstrip(".")
            return f"({inner})" + (f" as {node.alias}" if node.alias else "")
        return node.sql(dialect=self.dialect)

    def _group_key(self, key: exp.Expression, select: exp.Select) -> str:
        if isinstance(key, exp.Literal) and key.is_int:  # GROUP BY 1: the first output column
            index = int(key.this) - 1
            if 0 <= index < len(select.expressions):
                return self.expression(select.expressions[index].unalias())
        if isinstance(key, exp.Column) and not key.table:  # an output name
            for projection in select.expressions:
                if projection.alias_or_name == key.name and isinstance(projection, exp.Alias):
                    return self.expression(projection.this)
        return self.expression(key)

    def _order_and_limit(self, node: exp.Expression, projections) -> list[str]:
        parts = []
        order = node.args.get("order")
        if order and order.expressions:
            aggregated = {p.alias_or_name for p in projections if p.find(exp.AggFunc)}
            words = []
            for o in order.expressions:
                desc = bool(o.args.get("desc"))
                key = _projection_at(o.this, projections)
                if (isinstance(key, exp.Column) and key.name in aggregated) or key.find(exp.AggFunc):
                    words.append("highest first" if desc else "lowest first")
                else:
                    words.append(f"ordered by {self.expression(key)}" + (" (descending)" if desc else ""))
            parts.append(", then ".join(words))
        limit = node.args.get("limit")
        if limit is not None and limit.expression is not None:
            count = limit.expression.sql()
            parts.append("only the first row" if count == "1" else f"only the first {count} rows")
        return parts

    # -- expressions --------------------------------------------------------------------------------
    def expression(self, node: exp.Expression) -> str:
        if isinstance(node, exp.Alias):
            inner = self.expression(node.this)
            plain = isinstance(node.this, exp.Column) and node.this.name == node.alias
            return inner if plain else f"{inner} (as {node.alias})"
        if isinstance(node, exp.Column):
            return self.column(node)
        if isinstance(node, exp.Star):
            return "every column"
        if isinstance(node, exp.Count):
            arg = node.this
            if arg is None or isinstance(arg, exp.Star):
                return "the number of rows"
            if isinstance(arg, exp.Distinct):
                return f"the number of distinct {_and([self.expression(e) for e in arg.expressions])}"
            return f"the number of {self.expression(arg)}"
        for kind, words in AGGREGATES.items():
            if isinstance(node, kind):
                return words.format(self.expression(node.this))
        for kind, part in DATE_PARTS.items():
            if isinstance(node, kind):
                return f"the {part} of {self.expression(node.this)}"
        if isinstance(node, exp.DateTrunc | exp.TimestampTrunc):
            unit = node.args.get("unit")
            unit_text = (unit.name if isinstance(unit, exp.Var | exp.Literal) else node.text("unit")).lower()
            start = "the start of " if self.in_condition else ""
            return f"{start}the {unit_text or 'period'} of {self.expression(node.this)}"
        if isinstance(node, exp.Interval):
            amount, unit = self.expression(node.this).strip("'"), node.text("unit").lower()
            return f"{amount} {unit}{'' if amount == '1' or not unit else 's'}"
        if isinstance(node, exp.CurrentDate):
            return "today"
        if isinstance(node, exp.CurrentTimestamp):
            return "now"
        if isinstance(node, exp.Extract):
            return f"the {node.this.name.lower()} of {self.expression(node.expression)}"
        if isinstance(node, exp.Mul):
            return f"{self.expression(node.left)} × {self.expression(node.right)}"
        if isinstance(node, exp.Div):
            return f"{self.expression(node.left)} ÷ {self.expression(node.right)}"
        if isinstance(node, exp.Add | exp.Sub):
            sign = "+" if isinstance(node, exp.Add) else "−"
            return f"{self.expression(node.left)} {sign} {self.expression(node.right)}"
        if isinstance(node, exp.Paren):
            return f"({self.expression(node.this)})"
        if isinstance(node, exp.Cast):
            return self.expression(node.this)
        if isinstance(node, exp.Round):
            return f"{self.expression(node.this)} rounded"
        if isinstance(node, exp.Subquery):
            return f"({self.query(node.this).rstrip('.')})"
        if isinstance(node, exp.Literal):
            return f"'{node.this}'" if node.is_string else node.this
        if isinstance(node, exp.Null):
            return "nothing"
        if isinstance(node, exp.Boolean):
            return "true" if node.this else "false"
        if isinstance(node, exp.Distinct):
            return "distinct " + _and([self.expression(e) for e in node.expressions])
        return node.sql(dialect=self.dialect)

    def column(self, node: exp.Column) -> str:
        table = next(
            (a[node.table.lower()] for a in reversed(self.aliases) if node.table.lower() in a), node.table
        )
        name = f"{table}.{node.name}" if table else node.name
        label = self.labels.get(name.lower()) or self.labels.get(node.name.lower())
        return f"{name} ({label})" if label else name

    def condition(self, node: exp.Expression) -> str:
        outer, self.in_condition = self.in_condition, True
        try:
            return self._condition(node)
        finally:
            self.in_condition = outer

    def _condition(self, node: exp.Expression) -> str:
        if isinstance(node, exp.And):
            return f"{self.condition(node.left)} and {self.condition(node.right)}"
        if isinstance(node, exp.Or):
            return f"{self.condition(node.left)} or {self.condition(node.right)}"
        if isinstance(node, exp.Paren):
            return f"({self.condition(node.this)})"
        if isinstance(node, exp.Not):
            inner = node.this
            if isinstance(inner, exp.In):
                return f"{self.expression(inner.this)} is not one of {self._in_list(inner)}"
            if isinstance(inner, exp.Like | exp.ILike):
                return self._like(inner, negated=True)
            if isinstance(inner, exp.Is):
                return f"{self.expression(inner.this)} is not missing"
            if isinstance(inner, exp.Exists):
                return f"there is no {self._exists(inner)}"
            return f"not ({self.condition(inner)})"
        for kind, word in COMPARISONS.items():
            if isinstance(node, kind):
                return f"{self.expression(node.left)} {word} {self.expression(node.right)}"
        if isinstance(node, exp.Between):
            low, high = self.expression(node.args["low"]), self.expression(node.args["high"])
            return f"{self.expression(node.this)} is between {low} and {high}"
        if isinstance(node, exp.In):
            return f"{self.expression(node.this)} is one of {self._in_list(node)}"
        if isinstance(node, exp.Like | exp.ILike):
            return self._like(node)
        if isinstance(node, exp.Is):
            return f"{self.expression(node.this)} is missing"
        if isinstance(node, exp.Exists):
            return f"there is a {self._exists(node)}"
        return self.expression(node)

    def _in_list(self, node: exp.In) -> str:
        if query := node.args.get("query"):
            return f"the results of ({self.query(query.this if isinstance(query, exp.Subquery) else query).rstrip('.')})"
        return "(" + ", ".join(self.expression(e) for e in node.expressions) + ")"

    def _exists(self, node: exp.Exists) -> str:
        inner = node.this.this if isinstance(node.this, exp.Subquery) else node.this
        if isinstance(inner, exp.Select) and inner.args.get("from_"):  # what it selects does not matter
            where = inner.args.get("where")
            found = self._from(inner).removeprefix("from ")
            self.aliases.append(_table_aliases(inner))
            try:
                return f"row in {found}" + (f" where {self.condition(where.this)}" if where else "")
            finally:
                self.aliases.pop()
        return f"match in ({self.query(inner).rstrip('.')})"

    def _like(self, node: exp.Expression, negated: bool = False) -> str:
        subject, pattern = self.expression(node.this), node.expression
        case = "" if isinstance(node, exp.Like) else ", in any case"
        verb = "does not" if negated else ""
        if isinstance(pattern, exp.Literal) and pattern.is_string:
            text = pattern.this
            core = text.strip("%")
            if "%" not in core and "_" not in core:
                if text.startswith("%") and text.endswith("%") and len(text) > 1:
                    how = "contain"
                elif text.endswith("%"):
                    how = "start with"
                elif text.startswith("%"):
                    how = "end with"
                else:
                    return f"{subject} {'is not' if negated else 'is'} '{core}'{case}"
                return f"{subject} {verb + ' ' if verb else ''}{how if negated else how + 's'} '{core}'{case}"
        return f"{subject} {'does not match' if negated else 'matches'} {self.expression(pattern)}{case}"


def _table_aliases(select: exp.Select) -> dict[str, str]:
    """alias -> table name for the tables a SELECT reads under an alias (`orders AS o`)."""
    sources = [select.args["from_"].this] if select.args.get("from_") else []
    sources += [j.this for j in select.args.get("joins") or []]
    return {t.alias.lower(): t.name for t in sources if isinstance(t, exp.Table) and t.alias}


def _projection_at(key: exp.Expression, projections) -> exp.Expression:
    """ORDER BY 2 names the second output column."""
    if isinstance(key, exp.Literal) and key.is_int and 0 < int(key.this) <= len(projections):
        return projections[int(key.this) - 1].unalias()
    return key


def _bare(measure: str) -> str:
    """A measure's words without its output name: "country (as nation)" -> "country"."""
    return measure.split(" (as ", 1)[0]


def _without_article(words: str) -> str:
    return words.removeprefix("the ")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
