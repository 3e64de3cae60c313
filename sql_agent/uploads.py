"""Loads files a user uploads (CSV, Parquet) into a scratch DuckDB database, which is then queried
read-only in the sandbox like any other. Loading is trusted code; queries never get file access."""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path

import duckdb

from .sample_db import data_dir

READERS = {".csv": "read_csv_auto", ".tsv": "read_csv_auto", ".parquet": "read_parquet"}


def table_name_for(filename: str) -> str:
    stem = re.sub(r"[^a-z0-9_]+", "_", Path(filename).stem.lower()).strip("_") or "data"
    return stem if not stem[0].isdigit() else f"t_{stem}"


def load_uploads(files: list[tuple[str, bytes]]) -> Path:
    """One table per file; the database is named by the files' content, so a re-upload reuses it."""
    digest = hashlib.sha256(b"".join(name.encode() + data for name, data in files)).hexdigest()[:16]
    target = data_dir() / "uploads" / f"{digest}.duckdb"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect(str(partial)) as conn:
        for name, data in files:
            suffix = Path(name).suffix.lower()
            if suffix not in READERS:
                raise ValueError(f"{name}: only CSV and Parquet files can be loaded.")
            path = Path(tmp) / f"upload{suffix}"
            path.write_bytes(data)
            table = table_name_for(name)
            conn.execute(
                f'CREATE OR REPLACE TABLE "{table}" AS SELECT * FROM {READERS[suffix]}(?)', [str(path)]
            )
    partial.rename(target)
    return target
