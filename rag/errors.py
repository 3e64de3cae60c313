"""Errors a user can read: why a file was rejected, why a store refuses a query."""

from __future__ import annotations


class RagError(Exception):
    """Base class; `user_message` is safe to show as it is."""

    def __init__(self, user_message: str):
        self.user_message = user_message
        super().__init__(user_message)


class RejectedFile(RagError):
    """The file cannot be indexed; nothing in the store was changed."""


class EmbedderMismatch(RagError):
    """The store was built with another embedding model than the one asked to query or extend it."""


class StoreError(RagError):
    """The store file cannot be opened or read."""


class StoreBusy(StoreError):
    """Another process holds the store's write lock for longer than we were willing to wait."""


class StoreUnwritable(StoreError):
    """The data folder is read-only or full: the store can be read, nothing new can be written."""
