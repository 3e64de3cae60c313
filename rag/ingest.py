"""Ingest files into a store: load, skip unchanged content, chunk, embed, write in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from backends import BackendError

from .chunking import chunk_document
from .embedders import Embedder, embed_array
from .errors import RagError, RejectedFile
from .loaders import MAX_FILE_BYTES, load_document, load_path
from .store import Store


@dataclass(frozen=True)
class IngestResult:
    file: str
    status: str  # "added" | "unchanged" | "replaced" | "rejected"
    chunks: int
    reason: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def ingest_file(
    store: Store,
    embedder: Embedder,
    name: str,
    data: bytes | None = None,
    path: str | Path | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> IngestResult:
    """Index one file given as bytes (an upload) or a path. Never raises for a bad file."""
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
        vectors = embed_array(embedder, [c.embed_text for c in chunks])
        store.replace_document(doc, chunks, vectors, embedder.model_id, embedder.dim)
        return IngestResult(doc.name, "replaced" if old else "added", len(chunks))
    except RagError as exc:
        return IngestResult(Path(name).name, "rejected", 0, exc.user_message)
    except BackendError as exc:  # the embedding service failed: the file is fine but was not indexed
        return IngestResult(Path(name).name, "rejected", 0, f"Embedding failed: {exc}")


def ingest_files(
    store: Store,
    embedder: Embedder,
    files: Iterable[tuple[str, bytes | None]],
    on_progress: Callable[[int, IngestResult], None] | None = None,
) -> list[IngestResult]:
    """Ingest (name, bytes) pairs, or (path, None) pairs; `on_progress(done, result)` after each."""
    results = []
    for done, (name, data) in enumerate(files, start=1):
        result = (
            ingest_file(store, embedder, name, data)
            if data is not None
            else ingest_file(store, embedder, Path(name).name, path=name)
        )
        results.append(result)
        if on_progress:
            on_progress(done, result)
    return results
