"""Semantic models saved per owner and source, in one SQLite file in Floe's data folder.

The YAML text is what is kept, exactly as the person saved it, so a download gives back what was
uploaded. Every read and write is scoped to `owner` (the same owner as conversations: an account,
"local", or one browser session), so one visitor never sees another's model or verified queries.

Which model a source uses (`model_for_source`): the owner's saved one; else the one bundled with
the sample database; else a draft made from the schema on the spot (not saved until someone saves it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from conversations.sqlite_file import SqliteFile

from ..execution.sources import SAMPLE, Source
from .draft import draft_semantic_model, to_yaml
from .model import SAMPLE_MODEL_PATH, SemanticModel, parse_semantic_model

SCHEMA = """
CREATE TABLE IF NOT EXISTS semantic_models (
    owner TEXT NOT NULL, source_key TEXT NOT NULL, yaml TEXT NOT NULL, updated REAL NOT NULL,
    PRIMARY KEY (owner, source_key)
);
"""
SAVED, BUNDLED, DRAFT = "saved", "bundled", "draft"
STORE_FILE = "semantic_models.sqlite"  # in Floe's data folder; the app and the CLI share it


class SemanticStore(SqliteFile):
    def __init__(self, path: str | Path):
        super().__init__(path, SCHEMA)

    def get(self, owner: str, source_key: str) -> str | None:
        rows = self._read(
            "SELECT yaml FROM semantic_models WHERE owner = ? AND source_key = ?", (owner, source_key)
        )
        return rows[0][0] if rows else None

    def save(self, owner: str, source_key: str, text: str) -> None:
        with self._writing() as db:
            db.execute(
                "INSERT INTO semantic_models VALUES (?, ?, ?, ?) ON CONFLICT (owner, source_key) "
                "DO UPDATE SET yaml = excluded.yaml, updated = excluded.updated",
                (owner, source_key, text, time.time()),
            )

    def delete(self, owner: str, source_key: str) -> None:
        with self._writing() as db:
            db.execute("DELETE FROM semantic_models WHERE owner = ? AND source_key = ?", (owner, source_key))


@dataclass(frozen=True)
class SourceModel:
    text: str  # the YAML the page's editor shows and a download gives
    origin: str  # SAVED | BUNDLED | DRAFT
    model: SemanticModel | None  # None when saved text no longer reads (the editor says why)
    problems: tuple = ()


def model_for_source(store: SemanticStore, owner: str, source: Source) -> SourceModel:
    saved = store.get(owner, source.key)
    if saved is not None:
        origin, text = SAVED, saved
    elif source.key == SAMPLE:
        origin, text = BUNDLED, SAMPLE_MODEL_PATH.read_text(encoding="utf-8")
    else:
        origin, text = DRAFT, to_yaml(draft_semantic_model(source.schema, source.name))
    # The structure alone decides whether it is used: a column dropped from the database since it was
    # saved should not switch off every description and verified query (the editor lists such names).
    model, problems = parse_semantic_model(text)
    return SourceModel(text, origin, model, tuple(problems))
