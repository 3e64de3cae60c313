"""A question word that points at several measures about equally ("sales": `orders.amount` or
`orders.units`?), found from the schema and the semantic model without a model, so Floe asks one
short question instead of guessing; the answer is kept as a synonym of the chosen column.

A word points at a column through the column's synonyms (strongly) or the words of its name
(weakly). It is ambiguous when two or more numeric columns of different names share the strongest
pointing, and no other word of the question singles one of them out.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from ..grounding.matching import QUESTION_WORDS
from ..schema import Schema, words_of
from .draft import to_yaml
from .model import SemanticModel

NUMERIC = (
    "INT",
    "BIGINT",
    "SMALLINT",
    "TINYINT",
    "HUGEINT",
    "DECIMAL",
    "NUMERIC",
    "DOUBLE",
    "FLOAT",
    "REAL",
    "NUMBER",
)
# Words every kind of column name carries; a question using them picks nothing out.
GENERIC = frozenset({"id", "key", "code", "number", "num", "no", "value", "amount_id", "count"})
SYNONYM, NAME_WORD = 2, 1
MOST_OPTIONS = 3  # a word pointing at more columns than this is too general to ask about; linking decides


@dataclass(frozen=True)
class Ambiguity:
    term: str  # the question's word, as the model would read it ("sales")
    options: tuple[tuple[str, str], ...]  # (table, column), in schema order

    def question(self) -> str:
        names = [f"{t}.{c}" for t, c in self.options]
        return f"By “{self.term}”, do you mean {', '.join(names[:-1])} or {names[-1]}?"


def find_ambiguity(question: str, schema: Schema, model: SemanticModel | None) -> Ambiguity | None:
    asked = words_of(question)
    synonyms = _synonyms(model)
    table_words = {w for t in schema.tables for w in words_of(t.name.rsplit(".", 1)[-1])}
    for word in dict.fromkeys(w.lower().strip("?,.!;:'\"") for w in question.split()):
        forms = words_of(word)
        if not word.isalpha() or word in QUESTION_WORDS or not forms or forms & table_words:
            continue  # a word that names a table means the table ("flights"), not one of its measures
        scores: dict[tuple[str, str], int] = {}
        for table in schema.tables:
            for column in table.columns:
                if not column.type.upper().startswith(NUMERIC) or _is_key(column.name, table):
                    continue
                key = (table.name, column.name)
                if forms & synonyms.get((table.name.lower(), column.name.lower()), set()):
                    scores[key] = SYNONYM
                elif forms & (words_of(column.name) - GENERIC):
                    scores[key] = NAME_WORD
        if len(scores) < 2:
            continue
        best = max(scores.values())
        tied = [key for key, score in scores.items() if score == best]
        if not 2 <= len({c.lower() for _, c in tied}) <= MOST_OPTIONS:
            continue  # one column name in several tables (the same thing, joined), or too general a word
        # another word of the question that names one of them decides it ("sales units")
        singled = [k for k in tied if (words_of(k[1]) - GENERIC - forms) & asked]
        if len(singled) == 1:
            continue
        return Ambiguity(word, tuple(tied))
    return None


def _is_key(name: str, table) -> bool:
    """Identifiers are not measures: `customer_id`, `paperid`, a primary or foreign key column."""
    lowered = name.lower()
    in_keys = name in table.primary_key or any(name in fk.columns for fk in table.foreign_keys)
    return in_keys or lowered.endswith(("id", "_key", "_no", "_number", "_code"))


def _synonyms(model: SemanticModel | None) -> dict[tuple[str, str], set[str]]:
    """(table, column) lower -> the single words its synonyms make (a synonym "sales" -> {"sales", "sale"})."""
    found: dict[tuple[str, str], set[str]] = {}
    for c in model.columns if model else ():
        words = {w for s in c.synonyms if len(s.split()) == 1 for w in words_of(s)}
        found[(c.table.lower(), c.name.lower())] = words
    return found


def choose_meaning(text: str, term: str, table: str, column: str, others) -> str:
    """The semantic model's YAML with `term` a synonym of table.column and of none of `others`, so the
    next question using it is not asked about again."""
    data = yaml.safe_load(text) or {}
    wanted = {(t.lower(), c.lower()) for t, c in others}
    for t in data.get("tables") or []:
        for kind in ("dimensions", "time_dimensions", "facts", "measures"):
            for c in t.get(kind) or []:
                key = (str(t.get("name", "")).lower(), str(c.get("name", "")).lower())
                chosen = key == (table.lower(), column.lower())
                if not chosen and key not in wanted:
                    continue
                synonyms = [s for s in c.get("synonyms") or [] if s.lower() != term.lower()]
                if chosen:
                    synonyms.append(term)
                if synonyms:
                    c["synonyms"] = synonyms
                else:
                    c.pop("synonyms", None)
    return to_yaml(data)
