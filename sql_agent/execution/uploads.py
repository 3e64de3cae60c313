"""Loads files a user uploads (CSV, Parquet) into a scratch DuckDB database, which is then queried
read-only in the sandbox like any other. Loading is trusted code; queries never get file access.

A bad file is refused with a message naming it and saying why, before anything is kept: DuckDB's CSV
sniffer would otherwise load a file with broken quoting or ragged rows as one garbled column, or
silently keep only the rows that match its guess, so CSV text is checked with Python's csv module first.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import re
import tempfile
from pathlib import Path

import duckdb

from backends.data_folder import write_problem

from .sample_db import data_dir

MAX_FILE_BYTES = 25 * 2**20  # the app passes Streamlit's server.maxUploadSize instead
MAX_COLUMNS = 1000  # a wider table cannot be described to a model, nor read on a page
DELIMITERS = ",;\t|"
PARQUET_MAGIC = b"PAR1"
BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive, not CSV text: unzip it and upload the files inside.",
    b"\x1f\x8b": "a gzip archive, not CSV text: decompress it first.",
    PARQUET_MAGIC: "a Parquet file, not CSV text: name it .parquet.",
    b"%PDF": "a PDF, not CSV text.",
    b"\xd0\xcf\x11\xe0": "an old Excel or Word file, not CSV text: save it as CSV.",
}
READERS = {".csv": "read_csv", ".tsv": "read_csv", ".parquet": "read_parquet"}


class UploadError(ValueError):
    """One or more files cannot be loaded; the message names each and says why. Nothing was kept."""


def table_name_for(filename: str) -> str:
    """A name the model and a person can write without quotes: order.csv becomes order_data, since
    `SELECT * FROM order` does not parse."""
    stem = re.sub(r"[^a-z0-9_]+", "_", Path(filename).stem.lower()).strip("_") or "data"
    name = stem if not stem[0].isdigit() else f"t_{stem}"
    return f"{name}_data" if name in _reserved_words() else name


@functools.cache
def _reserved_words() -> frozenset[str]:
    with duckdb.connect() as conn:
        rows = conn.sql("SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'")
        return frozenset(r[0] for r in rows.fetchall())


def load_uploads(files: list[tuple[str, bytes]], max_bytes: int = MAX_FILE_BYTES) -> Path:
    """One table per file; the database is named by the files' content, so a re-upload reuses it."""
    digest = hashlib.sha256(b"".join(name.encode() + data for name, data in files)).hexdigest()[:16]
    target = data_dir() / "uploads" / f"{digest}.duckdb"
    if target.exists() and all(len(data) <= max_bytes for _, data in files):
        return target  # checked and loaded before: every page rerun comes here
    problems = [f"{name}: {why}" for name, data in files if (why := _problem(name, data, max_bytes))]
    if problems:
        raise UploadError("\n\n".join(problems))
    if problem := write_problem(target.parent):
        raise UploadError(f"{problem.user_message} Uploaded files cannot be loaded there.")
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    try:
        with tempfile.TemporaryDirectory() as tmp, duckdb.connect(str(partial)) as conn:
            for name, data in files:
                if why := _load(conn, Path(tmp), name, data):
                    problems.append(f"{name}: {why}")
    except (OSError, duckdb.Error):  # e.g. the disk filled up while loading
        partial.unlink(missing_ok=True)
        if problem := write_problem(target.parent):
            raise UploadError(f"{problem.user_message} Uploaded files cannot be loaded there.") from None
        raise
    if problems:
        partial.unlink(missing_ok=True)
        raise UploadError("\n\n".join(problems))
    partial.rename(target)
    return target


def _load(conn, tmp: Path, name: str, data: bytes) -> str | None:
    """Create the file's table; None, or why it could not be loaded."""
    suffix = Path(name).suffix.lower()
    path = tmp / f"upload{suffix}"
    path.write_bytes(data)
    table = table_name_for(name)
    options = ", quote = '\"', escape = '\"', header = true, delim = ?" if suffix != ".parquet" else ""
    params = [str(path)] + ([_delimiter(data)] if options else [])
    try:
        conn.execute(
            f'CREATE OR REPLACE TABLE "{table}" AS SELECT * FROM {READERS[suffix]}(?{options})', params
        )
    except duckdb.Error as err:
        kind = "Parquet" if suffix == ".parquet" else "CSV"
        return f"DuckDB could not read it as {kind}: {str(err).splitlines()[0]}"
    width = len(conn.execute(f'SELECT * FROM "{table}" LIMIT 0').description)
    return _too_wide(width)


def _problem(name: str, data: bytes, max_bytes: int) -> str | None:
    suffix = Path(name).suffix.lower()
    if suffix not in READERS:
        return "only CSV, TSV and Parquet files can be loaded."
    if not data:
        return "the file is empty."
    if len(data) > max_bytes:
        return f"the file is {_mb(len(data))}; the limit is {_mb(max_bytes)}. Split it into smaller files."
    if suffix == ".parquet":
        if not (data.startswith(PARQUET_MAGIC) and data.endswith(PARQUET_MAGIC) and len(data) > 8):
            return "this is not a complete Parquet file: it may be truncated, or be another format."
        return None
    return _csv_problem(data)


def _csv_problem(data: bytes) -> str | None:
    for signature, what in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            return f"this is {what}"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return f"this is not UTF-8 text (byte {err.start:,} cannot be read); save it as UTF-8 CSV."
    if "\x00" in text:
        return "this is a binary file, not CSV text."
    rows = csv.reader(text.splitlines(keepends=True), delimiter=_delimiter(data), strict=True)
    try:
        header = next(rows, None)
        if not header:
            return "the first line should name the columns, but it is empty."
        if why := _too_wide(len(header)):
            return why
        for row in rows:
            if row and len(row) != len(header):
                return (
                    f"line {rows.line_num} has {len(row)} fields, the header has {len(header)}: "
                    "check for a missing or extra delimiter, or an unclosed quote."
                )
    except csv.Error as err:
        return f"the CSV is malformed near line {rows.line_num} ({err}): check its quotes."
    return None


def _delimiter(data: bytes) -> str:
    sample = data[: 64 * 1024].decode("utf-8-sig", errors="replace")
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:  # one column, or too irregular to tell: the checks that follow say which
        return "\t" if sample.count("\t") > sample.count(",") else ","


def _too_wide(columns: int) -> str | None:
    if columns <= MAX_COLUMNS:
        return None
    return f"it has {columns:,} columns; the limit is {MAX_COLUMNS:,}. Keep only the columns you need."


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB".replace(".0 MB", " MB")
