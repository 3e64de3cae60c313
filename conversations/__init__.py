"""Chat conversations that survive reloads and restarts, scoped per owner: a SQLite file, or a server database."""

from .context import fit_to_window
from .export import to_json, to_markdown
from .limits import LimitedBackend, LimitReached, UsageLedger, UsageLimits
from .store import ConversationStore, StoredMessage
from .turn import ChatTurn

__all__ = [
    "ChatTurn",
    "ConversationStore",
    "LimitReached",
    "LimitedBackend",
    "StoredMessage",
    "UsageLedger",
    "UsageLimits",
    "fit_to_window",
    "to_json",
    "to_markdown",
]
