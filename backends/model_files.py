"""A catalog model as a verified GGUF on disk: find its parts, assemble them once, check size and sha256.

Assembly streams the parts into a temporary file beside the target, hashing as it writes, and
renames it into place only when size and checksum match, so a reader never sees a partial or
wrong file. A small `.verified` record (size, mtime, checksum) lets later starts skip re-hashing;
a file that changed since it was verified is hashed again before use.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from filelock import FileLock

from .data_folder import DataFolderUnwritable, write_problem
from .errors import NotConfigured
from .model_catalog import CatalogModel

Progress = Callable[[int, int], None]  # (bytes done, bytes total)
CHUNK_BYTES = 8 * 1024 * 1024  # peak memory while assembling stays near this


class ModelNotInstalled(NotConfigured):
    hint = "Install the model packages: pip install -r requirements-local.txt"


class ModelChecksumError(NotConfigured):
    hint = "Reinstall the model packages: pip install --force-reinstall -r requirements-local.txt"


def part_files(model: CatalogModel) -> list[Path]:
    """Each part's data file, in order; raises ModelNotInstalled naming the missing packages."""
    found, missing = [], []
    for part in model.parts:
        # find_spec on a top-level name locates the package without importing it.
        spec = importlib.util.find_spec(part.package)
        folders = list(spec.submodule_search_locations or []) if spec else []
        path = Path(folders[0]) / part.relative_path if folders else None
        if path is None or not path.is_file():
            missing.append(part.distribution)
        else:
            found.append(path)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise ModelNotInstalled(
            f"{model.label} is not fully installed: {len(missing)} of {len(model.parts)} "
            f"package(s) missing ({shown})."
        )
    return found


def is_installed(model: CatalogModel) -> bool:
    try:
        part_files(model)
    except ModelNotInstalled:
        return False
    return True


def verified_file(model: CatalogModel, data_dir: str | Path, progress: Progress | None = None) -> Path:
    """The model's GGUF, checked against the catalog's size and sha256; assembled first if needed."""
    models_dir = Path(data_dir) / "models"
    record = models_dir / f"{model.file_name}.verified"
    path = _model_path(model, models_dir)
    if _is_recorded(record, path, model):  # verified before: only reads, so no lock is needed
        return path
    if problem := write_problem(models_dir):  # read-only or full: check in place, keep no record
        if not model.assembled:
            _check_in_place(model, path, progress)
        elif not _matches(model, path, progress):
            raise DataFolderUnwritable(f"{problem.user_message} {model.label} cannot be assembled there.")
        return path
    # One process assembles or hashes at a time; the others wait and then find the record.
    with FileLock(str(models_dir / f".{model.file_name}.lock")):
        if _is_recorded(record, path, model):
            return path
        if not model.assembled:
            _check_in_place(model, path, progress)
        elif not _matches(model, path, progress):  # a match: e.g. the record was deleted
            _assemble(model, part_files(model), path, progress)
        _write_record(record, path, model)
        return path


def needs_work(model: CatalogModel, data_dir: str | Path) -> bool:
    """True when verified_file would read the whole model (assemble or hash it) before returning."""
    models_dir = Path(data_dir) / "models"
    try:
        path = _model_path(model, models_dir)
    except ModelNotInstalled:
        return False  # verified_file fails at once with the message
    return not _is_recorded(models_dir / f"{model.file_name}.verified", path, model)


def _model_path(model: CatalogModel, models_dir: Path) -> Path:
    """Where the GGUF is read from: the installed file itself, or the assembled one in the data folder."""
    return models_dir / model.file_name if model.assembled else part_files(model)[0]


def _matches(model: CatalogModel, path: Path, progress: Progress | None) -> bool:
    return (
        path.is_file() and path.stat().st_size == model.size_bytes and _sha256(path, progress) == model.sha256
    )


def _assemble(model: CatalogModel, parts: Sequence[Path], target: Path, progress: Progress | None) -> None:
    total = sum(p.stat().st_size for p in parts)
    if total != model.size_bytes:
        raise ModelChecksumError(
            f"{model.label}: the installed parts add up to {total:,} bytes, not {model.size_bytes:,}; "
            "refusing to use them."
        )
    free = shutil.disk_usage(target.parent).free
    if free < total:
        raise NotConfigured(
            f"Not enough disk space to assemble {model.label}: {total / 1e9:.2f} GB needed in "
            f"{target.parent}, {free / 1e9:.2f} GB free."
        )
    for stale in target.parent.glob(f".{model.file_name}.*.part"):
        stale.unlink(missing_ok=True)  # left by an assembly that was killed
    digest = hashlib.sha256()
    done = 0
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{model.file_name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while chunk := src.read(CHUNK_BYTES):
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if progress:
                            progress(done, total)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != model.sha256:
            raise ModelChecksumError(
                f"{model.label}: the assembled file's sha256 differs from the catalog's; "
                "a part is damaged or from another version. Nothing was loaded."
            )
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the model is no secret
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _check_in_place(model: CatalogModel, path: Path, progress: Progress | None) -> None:
    if not _matches(model, path, progress):
        raise ModelChecksumError(
            f"{model.label}: {path.name} does not match the catalog's size and sha256; refusing to load it."
        )


def _sha256(path: Path, progress: Progress | None) -> str:
    digest, done, total = hashlib.sha256(), 0, path.stat().st_size
    with open(path, "rb") as src:
        while chunk := src.read(CHUNK_BYTES):
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    return digest.hexdigest()


def _fingerprint(path: Path, model: CatalogModel) -> dict:
    stat = path.stat()
    return {"path": str(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": model.sha256}


def _is_recorded(record: Path, path: Path, model: CatalogModel) -> bool:
    try:
        return json.loads(record.read_text()) == _fingerprint(path, model)
    except (OSError, ValueError):
        return False


def _write_record(record: Path, path: Path, model: CatalogModel) -> None:
    tmp = record.with_suffix(".tmp")
    tmp.write_text(json.dumps(_fingerprint(path, model)))
    os.replace(tmp, record)
