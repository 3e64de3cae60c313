"""Documents in the team's PostgreSQL (rag/server_store.py) against the DuckDB store: the time to
write n synthetic chunks, and a whole search as the Documents page runs it (the query embedded, the
in-memory index, titles and passages read back), at 10k and 100k chunks. Prints figures; asserts
nothing. Starts a throwaway PostgreSQL server (Debian's postgresql) unless --database-url is given.

    python bench/rag_server_store.py                  # 10k and 100k chunks
    python bench/rag_server_store.py --chunks 10000   # quicker

Target (issue 23): search p95 on PostgreSQL within 1.5x of the DuckDB store's.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from synthetic_chunks import fill_synthetic  # noqa: E402

from backends.local_embeddings import get_embedder  # noqa: E402
from conversations.database import StateDatabase  # noqa: E402
from rag.memory_index import MemoryIndex  # noqa: E402
from rag.retrieval import search  # noqa: E402
from rag.server_store import ServerStore  # noqa: E402
from rag.store import Store  # noqa: E402

QUESTIONS = [
    "How do I get a refund for a damaged item?",
    "Where is the invoice for my last order?",
    "What does the warranty cover?",
    "Why is the thermostat reading too high?",
    "Which tunnel is closed this week?",
    "How do I feed a sourdough starter?",
]


def p(values: list[float]) -> str:
    p95 = statistics.quantiles(values, n=20)[18]
    return f"p50 {statistics.median(values) * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms"


def timed_searches(open_store, embedder, queries: int, index=None) -> list[float]:
    """Each search opens the store, as a page run does (the in-memory index stays loaded)."""
    with open_store() as store:
        search(store, embedder, QUESTIONS[0], index=index)  # warm: the index is loaded once per process
    times = []
    for i in range(queries):
        start = time.perf_counter()
        with open_store() as store:
            search(store, embedder, QUESTIONS[i % len(QUESTIONS)], k=5, index=index)
        times.append(time.perf_counter() - start)
    return times


def compare(n: int, database_url: str, queries: int) -> None:
    embedder = get_embedder()
    with tempfile.TemporaryDirectory() as tmp:
        path, db = Path(tmp) / "bench.duckdb", StateDatabase(database_url)
        duck = Store(path)
        start = time.perf_counter()
        fill_synthetic(duck, n, model_id=embedder.model_id)
        duck_write = time.perf_counter() - start
        server = ServerStore(db, f"bench:{n}")
        start = time.perf_counter()
        fill_synthetic(server, n, model_id=embedder.model_id)
        server_write = time.perf_counter() - start
        print(f"\n{n:,} chunks: written in {duck_write:.1f} s (DuckDB), {server_write:.1f} s (PostgreSQL)")
        start = time.perf_counter()
        index = MemoryIndex.from_store(duck)
        print(f"  index load: DuckDB {time.perf_counter() - start:.2f} s", end="")
        start = time.perf_counter()
        server.index()
        print(f", PostgreSQL {time.perf_counter() - start:.2f} s")
        kept_open = timed_searches(lambda: contextlib.nullcontext(duck), embedder, queries, index=index)
        duck.close()
        per_use = timed_searches(lambda: Store(path), embedder, queries, index=index)
        server_times = timed_searches(lambda: ServerStore(db, f"bench:{n}"), embedder, queries)
        ratio = statistics.quantiles(server_times, n=20)[18] / statistics.quantiles(kept_open, n=20)[18]
        print(f"  search, DuckDB store kept open        {p(kept_open)}")
        print(f"  search, DuckDB store opened per use   {p(per_use)}   (as the Documents page does)")
        print(
            f"  search, PostgreSQL, per use           {p(server_times)}   p95 / DuckDB kept open {ratio:.2f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = args.database_url
        if not url:
            from tests.conftest import free_port
            from tests.postgres_server import ThrowawayPostgres

            postgres = ThrowawayPostgres(free_port()).start()
            stack.callback(postgres.remove)
            url = postgres.create_database()
        for n in args.chunks:
            compare(n, url, args.queries)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
