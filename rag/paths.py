"""Where a user's document store lives: one DuckDB file per owner inside Floe's data folder."""

from __future__ import annotations

import hashlib
from pathlib import Path


def store_path(data_dir: str | Path, owner: str) -> Path:
    """`owner` as the app names it ("local", "user:…", "visitor:…"); hashed so no e-mail reaches a file name."""
    name = "local" if owner == "local" else hashlib.sha256(owner.encode()).hexdigest()[:24]
    return Path(data_dir) / "documents" / f"{name}.duckdb"
