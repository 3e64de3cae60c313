"""Floe's data folder (FLOE_DATA_DIR): can it be written now, and if not, a message that says why.

Every store in the folder (conversations, usage, documents, sample and uploaded databases, model
files) asks here when a write fails, so a read-only or full disk reads the same on every page.
"""

from __future__ import annotations

import errno
import tempfile
from pathlib import Path

from .errors import BackendError

PROBE_BYTES = 4096  # one block: a full disk refuses it, an empty file alone might still fit

_REASONS = {
    errno.EROFS: "it is on a read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
}
_FULL = (errno.ENOSPC, errno.EDQUOT)


class DataFolderUnwritable(BackendError):
    """Nothing new can be saved; what is already stored is untouched and can still be read."""

    hint = ""


def write_problem(folder: str | Path) -> DataFolderUnwritable | None:
    """None if a small file can be written in `folder` (created if missing); else why not, as an error."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        # An unnamed temporary file (O_TMPFILE on Linux): nothing is left behind, even by a crash.
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"\0" * PROBE_BYTES)
            probe.flush()
    except OSError as exc:
        reason = _REASONS.get(exc.errno, exc.strerror or str(exc))
        fix = (
            "some space is freed on its disk"
            if exc.errno in _FULL
            else "it is writable again (or FLOE_DATA_DIR names a writable folder)"
        )
        return DataFolderUnwritable(
            f"Floe cannot write to its data folder {folder}: {reason}. Your existing conversations "
            f"and documents are shown, but nothing new can be saved until {fix}; then reload the page."
        )
    return None
