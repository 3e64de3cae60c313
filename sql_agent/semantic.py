"""Semantic models: a subset of Snowflake Cortex Analyst's YAML (descriptions, synonyms,
relationships, verified queries), and matching a question to a verified query."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import yaml

from .schema import Schema

SEMANTIC_DIR = Path(__file__).parent / "semantic"
VERIFIED_MATCH_THRESHOLD = 0.85
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "for",
        "by",
        "to",
        "and",
        "is",
        "are",
        "was",
        "were",
        "what",
        "which",
        "who",
        "how",
        "me",
        "show",
        "list",
        "give",
        "per",
        "each",
    ]
)


@dataclass(frozen=True)
class VerifiedQuery:
    name: str
    question: str
    sql: str
    suggested: bool = False  # Cortex's use_as_onboarding_question


@dataclass(frozen=True)
class SemanticColumn:
    table: str
    name: str
    description: str = ""
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class SemanticModel:
    name: str
    description: str = ""
    table_descriptions: dict[str, str] = field(default_factory=dict)
    table_synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    columns: tuple[SemanticColumn, ...] = ()
    verified_queries: tuple[VerifiedQuery, ...] = ()

    @property
    def suggested_questions(self) -> list[str]:
        return [q.question for q in self.verified_queries if q.suggested]

    def synonyms_by_table(self) -> dict[str, set[str]]:
        """Words that point at a table: its synonyms and its columns' synonyms."""
        words: dict[str, set[str]] = {t: set(s) for t, s in self.table_synonyms.items()}
        for col in self.columns:
            words.setdefault(col.table, set()).update(col.synonyms)
        return words


def load_semantic_model(path: str | Path) -> SemanticModel:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    descriptions, synonyms, columns = {}, {}, []
    for table in data.get("tables", []):
        name = table["name"]
        descriptions[name] = (table.get("description") or "").strip()
        synonyms[name] = tuple(table.get("synonyms", []))
        for kind in ("dimensions", "time_dimensions", "facts", "measures"):
            for col in table.get(kind, []):
                columns.append(
                    SemanticColumn(
                        name,
                        col["name"],
                        (col.get("description") or "").strip(),
                        tuple(col.get("synonyms", [])),
                    )
                )
    verified = tuple(
        VerifiedQuery(q["name"], q["question"], q["sql"].strip(), bool(q.get("use_as_onboarding_question")))
        for q in data.get("verified_queries", [])
    )
    return SemanticModel(
        data.get("name", Path(path).stem),
        (data.get("description") or "").strip(),
        descriptions,
        synonyms,
        tuple(columns),
        verified,
    )


def sample_semantic_model() -> SemanticModel:
    return load_semantic_model(SEMANTIC_DIR / "sample_retail.yaml")


def normalise_question(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return " ".join(w for w in words if w not in STOPWORDS)


def match_verified(question: str, model: SemanticModel | None) -> tuple[VerifiedQuery | None, float]:
    """The verified query whose question is closest to this one, if it is close enough to reuse."""
    if model is None or not model.verified_queries:
        return None, 0.0
    asked = normalise_question(question)
    best, best_score = None, 0.0
    for vq in model.verified_queries:
        if _numbers(question) != _numbers(vq.question):
            continue  # "in 2023" or "top 5" asks for something else than "in 2024" or "top 10"
        score = SequenceMatcher(None, asked, normalise_question(vq.question)).ratio()
        if score > best_score:
            best, best_score = vq, score
    return (best, best_score) if best_score >= VERIFIED_MATCH_THRESHOLD else (None, best_score)


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


def closest_examples(question: str, model: SemanticModel | None, k: int = 3) -> list[VerifiedQuery]:
    """Verified queries to show the model as examples, most similar first."""
    if model is None:
        return []
    asked = normalise_question(question)
    scored = sorted(
        model.verified_queries,
        key=lambda vq: SequenceMatcher(None, asked, normalise_question(vq.question)).ratio(),
        reverse=True,
    )
    return scored[:k]


def described_schema(schema: Schema, model: SemanticModel | None) -> Schema:
    """The schema with the semantic model's table and column descriptions as comments where the
    database has none, so the prompt says what "revenue" or a status code means."""
    if model is None:
        return schema
    columns = {(c.table.lower(), c.name.lower()): c.description for c in model.columns if c.description}
    tables = {t.lower(): d for t, d in model.table_descriptions.items() if d}
    described = []
    for table in schema.tables:
        key = table.name.lower()
        cols = tuple(
            dataclasses.replace(c, comment=c.comment or columns.get((key, c.name.lower()), ""))
            for c in table.columns
        )
        described.append(
            dataclasses.replace(table, columns=cols, comment=table.comment or tables.get(key, ""))
        )
    return dataclasses.replace(schema, tables=tuple(described))
