"""The DuckDB index: documents, chunks with metadata and FLOAT[dim] embeddings, BM25 term postings.

One file per store. A document's chunks, vectors and terms are written in one transaction, so a
failed or rejected ingest leaves the store exactly as it was. The store records the embedding
model and dimension it was built with and refuses any other. While the data folder cannot be
written (read-only, or its disk full) the store opens read-only: listing and search work, and a
write raises StoreUnwritable, with the reason, before anything is changed.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from backends.data_folder import write_problem

from .errors import EmbedderMismatch, StoreBusy, StoreError, StoreUnwritable
from .types import Chunk, LoadedDocument, file_title

BM25_K1 = 1.2
BM25_B = 0.75
LOCK_WAIT_S = 60.0  # how long to queue behind another process writing the same store file

# Within one process DuckDB shares a file's database between connections, and two write
# transactions touching the same table conflict ("write-write conflict"). Writers of one store
# file in this process (e.g. two browser sessions uploading) therefore take turns on this lock.
_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


def _writer_lock(path: Path) -> threading.Lock:
    with _writer_locks_guard:
        return _writer_locks.setdefault(str(path.resolve()), threading.Lock())


def check_embedder(recorded: tuple[str, int] | None, model_id: str, dim: int) -> None:
    """Refuse an embedder other than the one a store was built with (None: not built yet)."""
    if recorded is not None and recorded != (model_id, dim):
        raise EmbedderMismatch(
            f"This document store was built with the embedding model {recorded[0]} ({recorded[1]} dims), "
            f"but {model_id} ({dim} dims) was selected. Select {recorded[0]}, or use a new store "
            "and ingest the files again."
        )


def group_names(items: Sequence[tuple[LoadedDocument, Sequence[Chunk], np.ndarray]], dim: int) -> list[str]:
    """The file names of a group written together; raises ValueError for a group no store takes."""
    names = [doc.name for doc, _, _ in items]
    if len(set(names)) != len(names):
        raise ValueError("file names in one group must be distinct")
    for _, chunks, vectors in items:
        if len(chunks) != len(vectors) or (len(vectors) and vectors.shape[1] != dim):
            raise ValueError("one vector of the index's dimension per chunk is required")
    return names


def postings_of(rows: Sequence[tuple[int, Chunk]]):
    """(chunk_id, term, tf, doc_len) of each term of each chunk's embedded text, for BM25."""
    from .keywords import terms

    for chunk_id, chunk in rows:
        counts: Counter = terms(chunk.embed_text)
        length = sum(counts.values())
        for term, tf in counts.items():
            yield chunk_id, term, tf, length


@dataclass(frozen=True)
class DocumentInfo:
    file: str
    kind: str
    content_hash: str
    size_bytes: int
    pages: int | None
    chunks: int
    added_at: dt.datetime


class Store:
    """Open with `Store(path)` (creates the file) or `Store(path, read_only=True)`; close when done."""

    def __init__(self, path: str | Path, read_only: bool = False, lock_wait_s: float = LOCK_WAIT_S):
        self.path = Path(path)
        self._embedding_model: tuple[str, int] | None = None
        self._has_titles: bool | None = None  # whether the documents table has its title column
        self.unwritable: StoreUnwritable | None = None  # set while the data folder cannot be written
        if read_only and not self.path.exists():
            raise StoreError(f"No document store at {self.path}; ingest some files first.")
        self._writing = _writer_lock(self.path)
        problem = None
        # On a full disk DuckDB leaves a new file empty, and unopenable even once space is freed: check first.
        if not read_only and not self.path.exists():
            problem = write_problem(self.path.parent)
        try:
            if problem is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.con = self._connect(read_only, lock_wait_s)
        except (duckdb.Error, OSError) as exc:
            if read_only or not (problem := write_problem(self.path.parent)):
                raise StoreError(f"Cannot open the document store {self.path}: {exc}") from None
        if problem:  # read what is there (nothing, if no file yet); every write raises StoreUnwritable
            self.unwritable = StoreUnwritable(problem.user_message)
            read_only = self.path.exists()
            self.con = self._connect(True, lock_wait_s) if read_only else duckdb.connect()
        if not read_only:
            with self._writing:
                self._create_tables()

    def _rollback_after(self, exc: BaseException) -> None:
        """Undo a failed write; a write the disk refused becomes StoreUnwritable with the reason."""
        try:
            self.con.execute("ROLLBACK")
        except duckdb.TransactionException:
            pass  # a failed COMMIT has already ended the transaction
        if isinstance(exc, duckdb.Error) and (problem := write_problem(self.path.parent)):
            raise StoreUnwritable(problem.user_message) from None

    def _connect(self, read_only: bool, lock_wait_s: float) -> duckdb.DuckDBPyConnection:
        """DuckDB lets one process at a time open a file for writing: wait our turn, then say "busy"."""
        deadline, pause = time.monotonic() + lock_wait_s, 0.05
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise
                if time.monotonic() >= deadline:
                    raise StoreBusy(
                        "The document store is busy: another process is writing to it. "
                        "Try again in a moment; nothing was changed."
                    ) from None
                time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
                pause = min(pause * 2, 1.0)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _one(self, sql: str, params=None):
        """The first row or None. fetchall, not fetchone: DuckDB 2 refuses new work on a connection
        whose last result was not read to the end."""
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0] if rows else None

    def close(self) -> None:
        self.con.close()

    def _create_tables(self) -> None:
        self.con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR)")
        self.con.execute("CREATE SEQUENCE IF NOT EXISTS ids")
        self.con.execute(
            """CREATE TABLE IF NOT EXISTS documents (doc_id BIGINT, file VARCHAR, kind VARCHAR,
            content_hash VARCHAR, size_bytes BIGINT, pages INTEGER, chunks INTEGER, added_at TIMESTAMP)"""
        )
        # Added with look-alike retrieval (issue 22); a store written before has no titles until re-ingested.
        self.con.execute("ALTER TABLE documents ADD COLUMN IF NOT EXISTS title VARCHAR")
        # doc_len is repeated on every posting so BM25 needs no join with the wide chunks table.
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS terms (chunk_id BIGINT, term VARCHAR, tf INTEGER, doc_len INTEGER)"
        )

    # --- the embedding model this index belongs to ---

    def meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", [key])
        return row[0] if row else None

    @property
    def embedding_model(self) -> tuple[str, int] | None:
        if self._embedding_model is None:  # fixed once set, so read it only until it exists
            model, dim = self.meta("embedding_model"), self.meta("embedding_dim")
            self._embedding_model = (model, int(dim)) if model and dim else None
        return self._embedding_model

    def check_embedder(self, model_id: str, dim: int) -> None:
        """Refuse an embedder other than the index's; the first one to write defines it."""
        check_embedder(self.embedding_model, model_id, dim)

    def _bind_embedder(self, model_id: str, dim: int) -> None:
        self.check_embedder(model_id, dim)
        if self.embedding_model is None:
            self.con.executemany(
                "INSERT INTO meta VALUES (?, ?)", [["embedding_model", model_id], ["embedding_dim", str(dim)]]
            )
            self.con.execute(
                f"""CREATE TABLE IF NOT EXISTS chunks (chunk_id BIGINT, doc_id BIGINT, ordinal INTEGER,
                page INTEGER, heading VARCHAR, char_start INTEGER, char_end INTEGER, text VARCHAR,
                tokens INTEGER, embedding FLOAT[{int(dim)}])"""
            )

    def _set_meta(self, key: str, value) -> None:
        self.con.execute("DELETE FROM meta WHERE key = ?", [key])
        self.con.execute("INSERT INTO meta VALUES (?, ?)", [key, str(value)])

    def _term_stats(self) -> tuple[int, int]:
        """(chunks, term occurrences), kept in meta so BM25 need not scan every posting per query."""
        return int(self.meta("bm25_chunks") or 0), int(self.meta("bm25_terms") or 0)

    def _add_term_stats(self, chunks: int, occurrences: int) -> None:
        n, total = self._term_stats()
        self._set_meta("bm25_chunks", n + chunks)
        self._set_meta("bm25_terms", total + occurrences)

    @property
    def generation(self) -> int:
        """Changes whenever the chunks change; in-memory caches of the vectors key on it."""
        return int(self.meta("generation") or 0)

    def _bump_generation(self) -> None:
        self._set_meta("generation", self.generation + 1)

    # --- documents ---

    def documents(self) -> list[DocumentInfo]:
        rows = self.con.execute(
            "SELECT file, kind, content_hash, size_bytes, pages, chunks, added_at FROM documents ORDER BY file"
        ).fetchall()
        return [DocumentInfo(*row) for row in rows]

    def document(self, file: str) -> DocumentInfo | None:
        return next((d for d in self.documents() if d.file == file), None)

    def file_with_hash(self, content_hash: str) -> str | None:
        row = self._one("SELECT file FROM documents WHERE content_hash = ?", [content_hash])
        return row[0] if row else None

    def replace_document(
        self, doc: LoadedDocument, chunks: Sequence[Chunk], vectors: np.ndarray, model_id: str, dim: int
    ) -> None:
        """Add `doc`, replacing any document of the same file name, in one transaction."""
        self.replace_documents([(doc, chunks, vectors)], model_id, dim)

    def replace_documents(
        self, items: Sequence[tuple[LoadedDocument, Sequence[Chunk], np.ndarray]], model_id: str, dim: int
    ) -> None:
        """Add several documents (distinct file names) in one transaction: all or none are written.
        One statement per table for the whole group keeps ingestion close to the embedder's speed."""
        names = group_names(items, dim)
        if self.unwritable:
            raise self.unwritable
        with self._writing:
            self._write_documents(items, names, model_id, dim)

    def _write_documents(self, items, names: list[str], model_id: str, dim: int) -> None:
        self.con.execute("BEGIN TRANSACTION")
        try:
            self._bind_embedder(model_id, dim)
            self._delete(names)
            total = len(items) + sum(len(chunks) for _, chunks, _ in items)
            ids = iter(
                row[0] for row in self.con.execute(f"SELECT nextval('ids') FROM range({total})").fetchall()
            )
            now = dt.datetime.now()
            doc_rows, chunk_rows = [], []
            for doc, chunks, _ in items:
                doc_id = next(ids)
                doc_rows.append(
                    (
                        doc_id,
                        doc.name,
                        doc.kind,
                        doc.content_hash,
                        doc.size_bytes,
                        doc.pages,
                        len(chunks),
                        now,
                        doc.title,
                    )
                )
                chunk_rows += [(doc_id, next(ids), i, chunk) for i, chunk in enumerate(chunks)]
            vectors = np.concatenate([np.asarray(v, dtype=np.float32).reshape(-1, dim) for _, _, v in items])
            self._insert_chunks(chunk_rows, vectors, dim)
            self.con.executemany(
                "INSERT INTO documents (doc_id, file, kind, content_hash, size_bytes, pages, chunks, added_at, title)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                doc_rows,
            )
            self._bump_generation()
            self.con.execute("COMMIT")
        except BaseException as exc:
            self._embedding_model = None  # the rollback may have undone binding the embedder
            self._rollback_after(exc)
            raise

    def _insert_chunks(self, rows: list[tuple[int, int, int, Chunk]], vectors: np.ndarray, dim: int) -> None:
        """rows: (doc_id, chunk_id, ordinal, chunk), in the order of `vectors`."""
        flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).ravel())
        chunk_rows = pa.table(  # noqa: F841 (read by DuckDB's replacement scan below)
            {
                "chunk_id": pa.array([r[1] for r in rows], pa.int64()),
                "doc_id": pa.array([r[0] for r in rows], pa.int64()),
                "ordinal": pa.array([r[2] for r in rows], pa.int32()),
                "page": pa.array([r[3].page for r in rows], pa.int32()),
                "heading": pa.array([r[3].heading for r in rows], pa.string()),
                "char_start": pa.array([r[3].char_start for r in rows], pa.int32()),
                "char_end": pa.array([r[3].char_end for r in rows], pa.int32()),
                "text": pa.array([r[3].text for r in rows], pa.string()),
                "tokens": pa.array([r[3].tokens for r in rows], pa.int32()),
                "embedding": pa.FixedSizeListArray.from_arrays(flat, dim),
            }
        )
        self.con.execute(
            f"""INSERT INTO chunks SELECT chunk_id, doc_id, ordinal, page, heading, char_start, char_end,
            text, tokens, embedding::FLOAT[{int(dim)}] FROM chunk_rows"""
        )
        postings: dict[str, list] = {"chunk_id": [], "term": [], "tf": [], "doc_len": []}
        for posting in postings_of([(chunk_id, chunk) for _, chunk_id, _, chunk in rows]):
            for column, value in zip(postings, posting, strict=True):
                postings[column].append(value)
        term_rows = pa.table(postings)  # noqa: F841
        self.con.execute("INSERT INTO terms SELECT chunk_id, term, tf, doc_len FROM term_rows")
        self._add_term_stats(len(set(postings["chunk_id"])), sum(postings["tf"]))

    def delete_document(self, file: str) -> bool:
        if self.unwritable:
            raise self.unwritable
        with self._writing:
            self.con.execute("BEGIN TRANSACTION")
            try:
                found = self._delete([file])
                if found:
                    self._bump_generation()
                self.con.execute("COMMIT")
            except BaseException as exc:
                self._rollback_after(exc)
                raise
        return found

    def _delete(self, files: list[str]) -> bool:
        ids = [
            r[0] for r in self.con.execute("SELECT doc_id FROM documents WHERE file IN ?", [files]).fetchall()
        ]
        if not ids:
            return False
        if self.embedding_model is not None:
            n, total = self._one(
                """SELECT count(DISTINCT chunk_id), coalesce(sum(tf), 0) FROM terms
                WHERE chunk_id IN (SELECT chunk_id FROM chunks WHERE doc_id IN ?)""",
                [ids],
            )
            self._add_term_stats(-n, -total)
            self.con.execute(
                "DELETE FROM terms WHERE chunk_id IN (SELECT chunk_id FROM chunks WHERE doc_id IN ?)", [ids]
            )
            self.con.execute("DELETE FROM chunks WHERE doc_id IN ?", [ids])
        self.con.execute("DELETE FROM documents WHERE doc_id IN ?", [ids])
        return True

    # --- search ---

    def chunk_count(self) -> int:
        if self.embedding_model is None:
            return 0
        return self._one("SELECT count(*) FROM chunks")[0]

    def vector_search(self, query: Sequence[float], k: int) -> list[tuple[int, float]]:
        """Exact cosine search in SQL: (chunk_id, cosine), best first."""
        if self.embedding_model is None:
            return []
        dim = self.embedding_model[1]
        return self.con.execute(
            f"""SELECT chunk_id, array_cosine_similarity(embedding, ?::FLOAT[{dim}]) AS score
            FROM chunks ORDER BY score DESC, chunk_id LIMIT ?""",
            [list(map(float, query)), k],
        ).fetchall()

    def cosines(self, ids: Sequence[int], query: Sequence[float]) -> dict[int, float]:
        """Cosine of the given chunks to `query` (for hits that only the keyword search found)."""
        if not ids or self.embedding_model is None:
            return {}
        dim = self.embedding_model[1]
        rows = self.con.execute(
            f"""SELECT chunk_id, array_cosine_similarity(embedding, ?::FLOAT[{dim}])
            FROM chunks WHERE chunk_id IN ?""",
            [list(map(float, query)), list(ids)],
        ).fetchall()
        return dict(rows)

    def keyword_search(self, query_terms: Sequence[str], k: int) -> list[tuple[int, float]]:
        """Okapi BM25 over the stored postings: (chunk_id, score), best first."""
        if not query_terms or self.embedding_model is None:
            return []
        n, total = self._term_stats()
        return self.con.execute(
            f"""WITH q AS (SELECT DISTINCT unnest(?::VARCHAR[]) AS term),
            stats AS (SELECT ?::DOUBLE AS n, ?::DOUBLE AS avgdl),
            hits AS (SELECT t.* FROM terms t SEMI JOIN q USING (term)),
            df AS (SELECT term, count(*) AS df FROM hits GROUP BY term)
            SELECT hits.chunk_id,
                   sum(ln(1 + (stats.n - df.df + 0.5) / (df.df + 0.5))
                       * hits.tf * {BM25_K1 + 1} / (hits.tf + {BM25_K1} * (1 - {BM25_B} + {BM25_B} * hits.doc_len / stats.avgdl))) AS score
            FROM hits JOIN df USING (term), stats
            GROUP BY hits.chunk_id ORDER BY score DESC, hits.chunk_id LIMIT ?""",
            [list(query_terms), n, total / max(n, 1), k],
        ).fetchall()

    def files_of(self, ids: Sequence[int]) -> dict[int, str]:
        """The file each chunk comes from."""
        if not ids:
            return {}
        return dict(
            self.con.execute(
                "SELECT c.chunk_id, d.file FROM chunks c JOIN documents d USING (doc_id) WHERE c.chunk_id IN ?",
                [list(ids)],
            ).fetchall()
        )

    def titles(self) -> dict[str, str]:
        """Each document's title; the file name stands in where a store written before titles has none."""
        if self.embedding_model is None:
            return {}
        if self._has_titles is None:  # looked up once: only this connection's _create_tables adds the column
            self._has_titles = bool(
                self._one(
                    "SELECT count(*) FROM duckdb_columns()"
                    " WHERE table_name = 'documents' AND column_name = 'title'"
                )[0]
            )
        title = "title" if self._has_titles else "NULL"
        rows = self.con.execute(f"SELECT file, {title} FROM documents").fetchall()
        return {file: title or file_title(file) for file, title in rows}

    def chunks_by_id(self, ids: Sequence[int]) -> dict[int, dict]:
        if not ids:
            return {}
        cur = self.con.execute(
            """SELECT c.chunk_id, d.file, c.page, c.heading, c.text, c.char_start, c.char_end
            FROM chunks c JOIN documents d USING (doc_id) WHERE c.chunk_id IN ?""",
            [list(ids)],
        )
        names = [col[0] for col in cur.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(chunk_ids, vectors) of the whole index, for the in-memory exact search."""
        if self.embedding_model is None:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 1), dtype=np.float32)
        dim = self.embedding_model[1]
        table = self.con.sql("SELECT chunk_id, embedding FROM chunks ORDER BY chunk_id").to_arrow_table()
        ids = table.column("chunk_id").to_numpy()
        flat = table.column("embedding").combine_chunks().flatten().to_numpy(zero_copy_only=False)
        return ids, flat.astype(np.float32).reshape(len(ids), dim)

    def all_postings(self):
        """(term, chunk_ids, tfs, doc_lens) for every term, for the in-memory BM25."""
        if self.embedding_model is None:
            return []
        table = self.con.sql(
            "SELECT term, list(chunk_id), list(tf), list(doc_len) FROM terms GROUP BY term"
        ).to_arrow_table()
        return zip(*(col.to_pylist() for col in table.columns), strict=True)
