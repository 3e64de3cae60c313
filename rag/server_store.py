"""Documents in the team's server database (PostgreSQL, FLOE_DATABASE_URL): one owner's documents,
chunks, embeddings and BM25 postings, with the same interface as the DuckDB Store.

Search runs on the in-memory exact index (memory_index.py), loaded once per process and owner and
loaded again when the owner's documents changed, on this server or another: every write bumps the
owner's generation in the same transaction. A group of documents is written in one transaction
(chunks and postings with COPY), so a failed ingest, or a server killed mid-ingest, leaves only
whole documents. Writers of one owner take turns on an advisory lock, across servers.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, delete, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as upsert

from conversations.database import StateDatabase
from conversations.schema import rag_chunks, rag_documents, rag_meta, rag_terms

from .errors import StoreError
from .memory_index import MemoryIndex
from .store import DocumentInfo, check_embedder, group_names, postings_of
from .types import Chunk, LoadedDocument, file_title


@dataclass(frozen=True)
class _Loaded:
    """What a search needs of one owner's documents, held in memory for one generation."""

    generation: int
    index: MemoryIndex
    titles: dict[str, str]
    files: dict[int, str]  # chunk id -> file


_loaded: dict[tuple[str, str], _Loaded] = {}  # (database, owner) -> the newest generation loaded
_loaded_guard = threading.Lock()
_DOC = rag_documents.c
_CHUNK = rag_chunks.c


class ServerStore:
    """`owner`'s documents in `db`. Open one per use, like Store (`with ServerStore(db, owner) as
    store`): it reads the owner's generation once, and a search then costs two round trips."""

    def __init__(self, db: StateDatabase, owner: str):
        if db.is_sqlite:
            raise StoreError("Documents are kept in the team database only when it is PostgreSQL.")
        self.db, self.owner = db, owner
        self.unwritable = None  # a server database is written or unreachable, never read-only
        self._meta: dict[str, str] | None = None  # the owner's meta rows, read once per use

    def __enter__(self) -> ServerStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to close: the database's connection pool is shared by the process."""

    # --- what the owner's index was built with, and its generation ---

    def meta(self, key: str, conn: Connection | None = None) -> str | None:
        """A meta value; inside a writing transaction (`conn`) read afresh, else as this use first read it."""
        if conn is not None:
            query = select(rag_meta.c.value).where(rag_meta.c.owner == self.owner, rag_meta.c.key == key)
            rows = conn.execute(query).all()
            return rows[0][0] if rows else None
        if self._meta is None:
            self._meta = dict(
                self.db.read(select(rag_meta.c.key, rag_meta.c.value).where(rag_meta.c.owner == self.owner))
            )
        return self._meta.get(key)

    def _set_meta(self, conn: Connection, key: str, value) -> None:
        row = upsert(rag_meta).values(owner=self.owner, key=key, value=str(value))
        conn.execute(
            row.on_conflict_do_update(index_elements=["owner", "key"], set_={"value": row.excluded.value})
        )

    @property
    def embedding_model(self) -> tuple[str, int] | None:
        model, dim = self.meta("embedding_model"), self.meta("embedding_dim")
        return (model, int(dim)) if model and dim else None

    def check_embedder(self, model_id: str, dim: int) -> None:
        check_embedder(self.embedding_model, model_id, dim)

    def _term_stats(self) -> tuple[int, int]:
        return int(self.meta("bm25_chunks") or 0), int(self.meta("bm25_terms") or 0)

    @property
    def generation(self) -> int:
        return int(self.meta("generation") or 0)

    # --- documents ---

    def documents(self) -> list[DocumentInfo]:
        rows = self.db.read(
            select(
                _DOC.file,
                _DOC.kind,
                _DOC.content_hash,
                _DOC.size_bytes,
                _DOC.pages,
                _DOC.chunks,
                _DOC.added_at,
            )
            .where(_DOC.owner == self.owner)
            .order_by(_DOC.file)
        )
        return [DocumentInfo(*row) for row in rows]

    def document(self, file: str) -> DocumentInfo | None:
        return next((d for d in self.documents() if d.file == file), None)

    def file_with_hash(self, content_hash: str) -> str | None:
        rows = self.db.read(
            select(_DOC.file).where(_DOC.owner == self.owner, _DOC.content_hash == content_hash)
        )
        return rows[0][0] if rows else None

    def replace_document(
        self, doc: LoadedDocument, chunks: Sequence[Chunk], vectors: np.ndarray, model_id: str, dim: int
    ) -> None:
        self.replace_documents([(doc, chunks, vectors)], model_id, dim)

    def replace_documents(
        self, items: Sequence[tuple[LoadedDocument, Sequence[Chunk], np.ndarray]], model_id: str, dim: int
    ) -> None:
        """Add several documents, replacing any of the same file names, in one transaction."""
        names = group_names(items, dim)
        self._meta = None  # what this use read before is stale once it writes
        with self.db.writing() as conn:
            self._take_turn(conn)
            recorded = self.meta("embedding_model", conn), self.meta("embedding_dim", conn)
            check_embedder((recorded[0], int(recorded[1])) if all(recorded) else None, model_id, dim)
            if not all(recorded):
                self._set_meta(conn, "embedding_model", model_id)
                self._set_meta(conn, "embedding_dim", dim)
            self._delete(conn, names)
            total = len(items) + sum(len(chunks) for _, chunks, _ in items)
            ids = iter(
                row[0]
                for row in conn.execute(
                    text("SELECT nextval('rag_ids') FROM generate_series(1, :n)"), {"n": total}
                )
            )
            now = dt.datetime.now()
            documents, chunk_rows = [], []
            for doc, chunks, vectors in items:
                doc_id = next(ids)
                documents.append(
                    {
                        "doc_id": doc_id, "owner": self.owner, "file": doc.name, "kind": doc.kind,
                        "content_hash": doc.content_hash, "size_bytes": doc.size_bytes, "pages": doc.pages,
                        "chunks": len(chunks), "added_at": now, "title": doc.title,
                    }
                )  # fmt: skip
                vectors = np.asarray(vectors, dtype="<f4").reshape(-1, dim)
                chunk_rows += [(next(ids), doc_id, i, c, vectors[i]) for i, c in enumerate(chunks)]
            conn.execute(insert(rag_documents), documents)
            self._copy_chunks(conn, chunk_rows)
            self._bump(conn, len(chunk_rows), self._copy_terms(conn, chunk_rows))

    def _copy_chunks(self, conn: Connection, rows) -> None:
        with (
            conn.connection.driver_connection.cursor() as cur,
            cur.copy(
                "COPY rag_chunks (chunk_id, doc_id, ordinal, page, heading, char_start, char_end, text, tokens,"
                " embedding) FROM STDIN"
            ) as copy,
        ):
            for chunk_id, doc_id, ordinal, c, vector in rows:
                copy.write_row(
                    (chunk_id, doc_id, ordinal, c.page, c.heading, c.char_start, c.char_end, c.text, c.tokens,
                     vector.tobytes())
                )  # fmt: skip

    def _copy_terms(self, conn: Connection, rows) -> int:
        occurrences = 0
        with (
            conn.connection.driver_connection.cursor() as cur,
            cur.copy("COPY rag_terms (chunk_id, term, tf, doc_len) FROM STDIN") as copy,
        ):
            for posting in postings_of([(chunk_id, c) for chunk_id, _, _, c, _ in rows]):
                copy.write_row(posting)
                occurrences += posting[2]
        return occurrences

    def delete_document(self, file: str) -> bool:
        self._meta = None
        with self.db.writing() as conn:
            self._take_turn(conn)
            return self._delete(conn, [file])

    def _take_turn(self, conn: Connection) -> None:
        """One writer of this owner's documents at a time, on every server."""
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"floe-documents:{self.owner}"}
        )

    def _delete(self, conn: Connection, files: list[str]) -> bool:
        doc_ids = select(_DOC.doc_id).where(_DOC.owner == self.owner, _DOC.file.in_(files))
        chunk_ids = select(_CHUNK.chunk_id).where(_CHUNK.doc_id.in_(doc_ids))
        chunks, occurrences = conn.execute(
            select(
                func.count(func.distinct(rag_terms.c.chunk_id)), func.coalesce(func.sum(rag_terms.c.tf), 0)
            ).where(rag_terms.c.chunk_id.in_(chunk_ids))
        ).one()
        found = conn.execute(
            delete(rag_documents).where(_DOC.owner == self.owner, _DOC.file.in_(files))
        ).rowcount
        if found:  # chunks and postings go with their document (ON DELETE CASCADE)
            self._bump(conn, -chunks, -int(occurrences))
        return bool(found)

    def _bump(self, conn: Connection, chunks: int, occurrences: int) -> None:
        """Keep BM25's totals and move the generation on, in the writing transaction."""
        for key, change in (("bm25_chunks", chunks), ("bm25_terms", occurrences), ("generation", 1)):
            self._set_meta(conn, key, int(self.meta(key, conn) or 0) + change)

    # --- search: the in-memory index, the same rankings as the DuckDB store's SQL ---

    def chunk_count(self) -> int:
        return self.db.read(
            select(func.count()).select_from(rag_chunks.join(rag_documents)).where(_DOC.owner == self.owner)
        )[0][0]

    def _in_memory(self) -> _Loaded:
        """This owner's documents in memory, loaded again only when their generation moved (on any server)."""
        key, generation = (self.db.where, self.owner), self.generation
        with _loaded_guard:
            loaded = _loaded.get(key)
        if loaded is None or loaded.generation != generation:
            rows = self.db.read(
                select(_CHUNK.chunk_id, _DOC.file)
                .select_from(rag_chunks.join(rag_documents))
                .where(_DOC.owner == self.owner)
            )
            titles = self.db.read(select(_DOC.file, _DOC.title).where(_DOC.owner == self.owner))
            loaded = _Loaded(
                generation,
                MemoryIndex.from_store(self),
                {file: title or file_title(file) for file, title in titles},
                dict(rows),
            )
            with _loaded_guard:
                _loaded[key] = loaded
        return loaded

    def index(self) -> MemoryIndex:
        return self._in_memory().index

    def vector_search(self, query: Sequence[float], k: int) -> list[tuple[int, float]]:
        return self.index().vector_search(query, k)

    def keyword_search(self, query_terms: Sequence[str], k: int) -> list[tuple[int, float]]:
        return self.index().keyword_search(query_terms, k)

    def cosines(self, ids: Sequence[int], query: Sequence[float]) -> dict[int, float]:
        index = self.index()
        rows = np.searchsorted(index.ids, np.asarray(list(ids), dtype=np.int64))
        found = [
            (cid, row)
            for cid, row in zip(ids, rows, strict=True)
            if row < len(index.ids) and index.ids[row] == cid
        ]
        q = np.asarray(query, dtype=np.float32)
        return {cid: float(index.vectors[row] @ q) for cid, row in found}

    def files_of(self, ids: Sequence[int]) -> dict[int, str]:
        files = self._in_memory().files
        return {cid: files[cid] for cid in ids if cid in files}

    def titles(self) -> dict[str, str]:
        return dict(self._in_memory().titles)

    def chunks_by_id(self, ids: Sequence[int]) -> dict[int, dict]:
        if not ids:
            return {}
        columns = (
            _CHUNK.chunk_id,
            _DOC.file,
            _CHUNK.page,
            _CHUNK.heading,
            _CHUNK.text,
            _CHUNK.char_start,
            _CHUNK.char_end,
        )
        rows = self.db.read(
            select(*columns)
            .select_from(rag_chunks.join(rag_documents))
            .where(_DOC.owner == self.owner, _CHUNK.chunk_id.in_(list(ids)))
        )
        return {row[0]: dict(row._mapping) for row in rows}

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        dim = (self.embedding_model or ("", 1))[1]
        rows = self.db.read(
            select(_CHUNK.chunk_id, _CHUNK.embedding)
            .select_from(rag_chunks.join(rag_documents))
            .where(_DOC.owner == self.owner)
            .order_by(_CHUNK.chunk_id)
        )
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        vectors = np.frombuffer(b"".join(bytes(r[1]) for r in rows), dtype="<f4").reshape(len(rows), dim)
        return ids, vectors.astype(np.float32)

    def all_postings(self):
        rows = self.db.read(
            select(rag_terms.c.term, func.array_agg(rag_terms.c.chunk_id), func.array_agg(rag_terms.c.tf),
                   func.array_agg(rag_terms.c.doc_len))
            .select_from(rag_terms.join(rag_chunks).join(rag_documents))
            .where(_DOC.owner == self.owner)
            .group_by(rag_terms.c.term)
        )  # fmt: skip
        return [tuple(row) for row in rows]
