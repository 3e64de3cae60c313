"""What a person sees when a page's work fails in a way Floe did not foresee: one short sentence,
their question kept with Retry, and the traceback in the server log only (never on the page)."""

from __future__ import annotations

import logging
import sys

from backends.errors import UNEXPECTED_ERROR

log = logging.getLogger("floe.app")


class _Stderr(logging.StreamHandler):
    """Writes to the sys.stderr of the moment, not the one there was when the app first imported this."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def _log_to_stderr(names=("floe", "backends", "conversations", "rag", "sql_agent")) -> None:
    """Streamlit configures only its own loggers: Floe's (the app's and its packages') go to the
    server's stderr, the log an operator reads, whatever else handles the root logger."""
    handler = _Stderr()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in names:
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler)
            logger.propagate = False


_log_to_stderr()


def log_unexpected(work: str) -> str:
    """Log the exception being handled, with its traceback, and return the sentence to show."""
    log.exception("Unexpected error while %s", work)
    return UNEXPECTED_ERROR
