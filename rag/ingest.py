"""Ingest files into a store: load, skip unchanged content, chunk, embed, write in one transaction.

Several files' chunks are embedded together: the embedder is fastest on full batches of similar
lengths, and most files are only a few chunks long.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from backends import BackendError

from .chunking import chunk_document
from .embedders import Embedder, embed_array
from .errors import RagError, RejectedFile, StoreUnwritable
from .loaders import MAX_FILE_BYTES, load_document, load_path
from .store import Store
from .types import Chunk, LoadedDocument

EMBED_GROUP_CHUNKS = 128  # embed once this many chunks of several files are waiting


@dataclass(frozen=True)
class IngestResult:
    file: str
    status: str  # "added" | "unchanged" | "replaced" | "rejected"
    chunks: int
    reason: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Ready:
    """A file loaded and chunked, waiting for its vectors."""

    doc: LoadedDocument
    chunks: list[Chunk]
    replaces: bool


def _prepare(store, embedder, name, data, path, max_bytes) -> _Ready | IngestResult:
    try:
        doc = load_document(name, data, max_bytes) if data is not None else load_path(path or name, max_bytes)
        store.check_embedder(embedder.model_id, embedder.dim)
        old = store.document(doc.name)
        if old and old.content_hash == doc.content_hash:
            return IngestResult(doc.name, "unchanged", old.chunks)
        twin = store.file_with_hash(doc.content_hash)
        if twin and twin != doc.name:
            return IngestResult(
                doc.name, "unchanged", 0, f"Same content as {twin}, which is already indexed."
            )
        chunks = chunk_document(doc, embedder.count_tokens, embedder.max_input_tokens)
        if not chunks:
            raise RejectedFile("The file contains no text.")
        return _Ready(doc, chunks, replaces=old is not None)
    except RagError as exc:
        return IngestResult(Path(name).name, "rejected", 0, exc.user_message)


def _embed_and_write(store, embedder, group: list[_Ready]) -> list[IngestResult]:
    try:
        vectors = embed_array(embedder, [c.embed_text for r in group for c in r.chunks])
    except BackendError as exc:  # the embedding service failed: the files are fine but were not indexed
        return [IngestResult(r.doc.name, "rejected", 0, f"Embedding failed: {exc}") for r in group]
    items, start = [], 0
    for ready in group:
        items.append((ready.doc, ready.chunks, vectors[start : start + len(ready.chunks)]))
        start += len(ready.chunks)
    try:
        store.replace_documents(items, embedder.model_id, embedder.dim)
    except StoreUnwritable:
        raise  # no file can be written: one message for the whole ingest, not one per file
    except RagError as exc:
        return [IngestResult(r.doc.name, "rejected", 0, exc.user_message) for r in group]
    return [IngestResult(r.doc.name, "replaced" if r.replaces else "added", len(r.chunks)) for r in group]


def _depends_on_group(ready: _Ready | IngestResult, group: list[tuple[int, _Ready]]) -> bool:
    if isinstance(ready, IngestResult):
        return ready.status == "unchanged"  # it may match, or no longer match, a waiting file
    return any(r.doc.name == ready.doc.name or r.doc.content_hash == ready.doc.content_hash for _, r in group)


def ingest_file(
    store: Store,
    embedder: Embedder,
    name: str,
    data: bytes | None = None,
    path: str | Path | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> IngestResult:
    """Index one file given as bytes (an upload) or a path. Never raises for a bad file."""
    ready = _prepare(store, embedder, name, data, path, max_bytes)
    return ready if isinstance(ready, IngestResult) else _embed_and_write(store, embedder, [ready])[0]


def ingest_files(
    store: Store,
    embedder: Embedder,
    files: Iterable[tuple[str, bytes | None]],
    on_progress: Callable[[int, IngestResult], None] | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    group_chunks: int = EMBED_GROUP_CHUNKS,
) -> list[IngestResult]:
    """Ingest (name, bytes) pairs, or (path, None) pairs; `on_progress(done, result)` after each
    file is written (a smaller `group_chunks` reports more often). Results come in the order of
    `files` and are the same as ingesting the files one by one. Raises StoreUnwritable, with
    the reason, when the data folder cannot be written: files written before then are kept."""
    if store.unwritable:
        raise store.unwritable
    results: dict[int, IngestResult] = {}
    group: list[tuple[int, _Ready]] = []

    def report(i: int, result: IngestResult) -> None:
        results[i] = result
        if on_progress:
            on_progress(len(results), result)

    def flush() -> None:
        for (i, _), result in zip(
            group, _embed_and_write(store, embedder, [r for _, r in group]), strict=True
        ):
            report(i, result)
        group.clear()

    for i, (name, data) in enumerate(files):
        args = (name, data, None, max_bytes) if data is not None else (Path(name).name, None, name, max_bytes)
        ready = _prepare(store, embedder, *args)
        if group and _depends_on_group(ready, group):
            flush()  # only the store can say what a repeated file is: write the waiting ones first
            ready = _prepare(store, embedder, *args)
        if isinstance(ready, IngestResult):
            report(i, ready)
            continue
        group.append((i, ready))
        if sum(len(r.chunks) for _, r in group) >= group_chunks:
            flush()
    if group:
        flush()
    return [results[i] for i in sorted(results)]
