"""Semantic models saved per owner and source, in Floe's state database (by default its own SQLite
file in the data folder; the deployment's server database when FLOE_DATABASE_URL is set).

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

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from conversations.database import StateDatabase
from conversations.schema import semantic_models
from conversations.store import open_database

from ..execution.sources import SAMPLE, Source
from .draft import draft_semantic_model, to_yaml
from .model import SAMPLE_MODEL_PATH, SemanticModel, parse_semantic_model

SAVED, BUNDLED, DRAFT = "saved", "bundled", "draft"
STORE_FILE = "semantic_models.sqlite"  # in Floe's data folder; the app and the CLI share it


_UPSERT = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}


def _this_model(owner: str, source_key: str):
    return semantic_models.c.owner == owner, semantic_models.c.source_key == source_key


class SemanticStore:
    def __init__(self, where: StateDatabase | str | Path):
        self.db = open_database(where)

    @property
    def unwritable(self):
        return self.db.unwritable

    def close(self) -> None:
        self.db.close()

    def get(self, owner: str, source_key: str) -> str | None:
        rows = self.db.read(select(semantic_models.c.yaml).where(*_this_model(owner, source_key)))
        return rows[0][0] if rows else None

    def save(self, owner: str, source_key: str, text: str) -> None:
        with self.db.writing() as conn:
            upsert = _UPSERT[conn.dialect.name](semantic_models).values(
                owner=owner, source_key=source_key, yaml=text, updated=time.time()
            )
            conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=["owner", "source_key"],
                    set_={"yaml": upsert.excluded.yaml, "updated": upsert.excluded.updated},
                )
            )

    def delete(self, owner: str, source_key: str) -> None:
        with self.db.writing() as conn:
            conn.execute(delete(semantic_models).where(*_this_model(owner, source_key)))


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
