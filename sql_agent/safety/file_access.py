"""Which DuckDB file a typed path may open: any on a one-user local run, else only one inside the
folder the deployment allows (none when it allows none), so a visitor cannot open other users'
stores or other files on the server."""

from __future__ import annotations

from pathlib import Path

FILES_OFF = (
    "Opening DuckDB files by path is off on this deployment. Whoever runs it can allow "
    "one folder with FLOE_DUCKDB_DIR; meanwhile upload CSV/Parquet files or use the sample."
)


class FileRefused(ValueError):
    """A path the visitor may not open, with a message they can act on."""


def allowed_duckdb_file(typed: str, allowed_folder: str | Path | None, local_run: bool) -> Path:
    """The real path to open for `typed`, or FileRefused.

    `allowed_folder`: when set, the only folder files may come from (a relative path is taken inside
    it), on any deployment. Unset: any path on a local run, nothing otherwise. Symlinks and `..` are
    resolved before the check, and the check comes before any existence test, so a refusal tells
    nothing about what exists outside the folder.
    """
    text = typed.strip()
    if not text:
        raise FileRefused("Type the path of a DuckDB file.")
    if allowed_folder:
        root = Path(allowed_folder).expanduser().resolve()
        path = (root / Path(text).expanduser()).resolve()
        if not path.is_relative_to(root):
            raise FileRefused(
                f"{text}: only databases in the folder this app allows can be opened; "
                "type a file name from that folder."
            )
        shown = path.relative_to(root).as_posix() or "."
    elif local_run:
        path = Path(text).expanduser().resolve()
        shown = text
    else:
        raise FileRefused(FILES_OFF)
    if not path.is_file():
        raise FileRefused(f"{shown}: no such file.")
    return path
