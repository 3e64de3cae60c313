"""One chat turn: fit the history, stream the answer, and keep every part of it in the store.

The assistant message is written before the first token and updated as text arrives, so a
stop, a failure or a closed tab leaves the partial answer saved with its status. If the store stops
taking writes mid-answer (a server database that went away, a full disk), the answer keeps
streaming; its final state is kept on the turn as `unsaved`, for the page to save once it can.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from backends import Backend, BackendError, ChatParams, Message
from backends.data_folder import DataFolderUnwritable
from backends.errors import UNEXPECTED_ERROR
from backends.guard import Refused

from .context import FittedPrompt, fit_to_window
from .store import ConversationStore, StoredMessage

log = logging.getLogger(__name__)
SAVE_EVERY_S = 0.5  # how often a streaming answer is written to the store
PROMPT_STATUSES = ("complete", "stopped")  # failed answers are shown but not sent back to the model


@dataclass(frozen=True)
class UnsavedAnswer:
    """An answer's final state that the store refused; `save` writes it (raises while it still cannot)."""

    owner: str
    message_id: str
    content: str
    status: str
    meta: dict

    def save(self, store: ConversationStore) -> None:
        store.update_message(self.owner, self.message_id, self.content, self.status, self.meta)


def prompt_history(messages: list[StoredMessage]) -> list[Message]:
    """What the model is sent: answered turns only. A prompt the safety guard refused is left out
    too, so it never reaches the model as part of a later turn."""
    refused = {i - 1 for i, m in enumerate(messages) if m.role == "assistant" and m.status == "refused"}
    return [
        Message(m.role, m.content)
        for i, m in enumerate(messages)
        if m.status in PROMPT_STATUSES and m.content and i not in refused
    ]


def usage_meta(backend_name: str, stream) -> dict:
    u = stream.usage
    return {
        "backend": backend_name,
        "model": u.model,
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "tokens_exact": u.exact,
        "first_token_s": u.first_token_s,
        "total_s": round(u.total_s, 3),
        "tokens_per_s": u.tokens_per_s,
    }


class ChatTurn:
    """Answer the latest user message of a conversation. Iterate `stream()` for text deltas."""

    def __init__(
        self,
        store: ConversationStore,
        owner: str,
        conversation_id: str,
        backend: Backend,
        backend_name: str,
        params: ChatParams,
        system_prompt: str | None = None,
        extra_meta: dict | None = None,  # kept with the answer, e.g. the citations it may refer to
        on_queue=None,  # called with the requests ahead while the model serves others; None once started
    ):
        self.store, self.owner, self.cid = store, owner, conversation_id
        self.backend, self.backend_name, self.params = backend, backend_name, params
        self.system_prompt = system_prompt
        self.extra_meta = extra_meta or {}
        self.on_queue = on_queue
        self.status = "streaming"
        self.error: BackendError | None = None
        self.settled = threading.Event()  # set once the answer's final text and status are stored
        self.text = ""
        self.message_id: str | None = None
        self.fitted: FittedPrompt | None = None
        self.unsaved: UnsavedAnswer | None = None  # set when the store refused the final save

    def prepare(self) -> FittedPrompt:
        history = prompt_history(self.store.messages(self.owner, self.cid))
        self.fitted = fit_to_window(
            self.system_prompt,
            history,
            self.backend.count_tokens,
            self.backend.info().context_window,
            self.params.max_tokens,
        )
        return self.fitted

    def stream(self) -> Iterator[str]:
        fitted = self.fitted or self.prepare()
        meta = {"backend": self.backend_name, "model": self.params.model or "", **self.extra_meta}
        if fitted.notice:
            meta["notice"] = fitted.notice
        self.message_id = self.store.append(self.owner, self.cid, "assistant", "", "streaming", meta)
        stream = deltas = None
        last_save = time.monotonic()
        try:
            stream = self.backend.chat(fitted.messages, self.params)
            stream.on_queue = self.on_queue
            deltas = iter(stream)
            for delta in deltas:
                self.text += delta
                if time.monotonic() - last_save > SAVE_EVERY_S:
                    self._save_quietly(self.text, "streaming")
                    last_save = time.monotonic()
                yield delta
            self.status = "complete"
        except BackendError as err:  # a safety guard's refusal is kept as such, not as a failure
            self.status, self.error = "refused" if isinstance(err, Refused) else "error", err
            meta["error"] = err.user_message
            meta["hint"] = err.hint
        except Exception:  # unforeseen: the partial answer is kept with a short reason, the details logged
            log.exception("Unexpected error while streaming a chat answer")
            self.status, meta["error"] = "error", UNEXPECTED_ERROR
        finally:
            if self.status == "streaming":  # the consumer went away mid-stream: Stop, rerun or closed tab
                self.status = "stopped"
            if stream is not None:
                stream.cancel()
                if deltas is not None:
                    deltas.close()  # settles the stream's usage figures
                if stream.usage.total_s or self.text:
                    meta.update(usage_meta(self.backend_name, stream))
            try:
                if not self._save_quietly(self.text, self.status, meta):
                    self.unsaved = UnsavedAnswer(self.owner, self.message_id, self.text, self.status, meta)
            finally:
                self.settled.set()

    def _save_quietly(self, text: str, status: str, meta: dict | None = None) -> bool:
        """Write the answer as it stands; False if the store cannot take it now (the stream goes on)."""
        try:
            self.store.update_message(self.owner, self.message_id, text, status, meta)
        except DataFolderUnwritable:
            return False
        return True
