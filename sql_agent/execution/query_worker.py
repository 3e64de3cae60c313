"""The process that sandboxed DuckDB queries run in, so that one past its deadline can be killed:
DuckDB's interrupt is not checked inside some long operators (list_sort, repeat), so a thread cannot
stop them. Started by worker_pool.py as `python -m sql_agent.execution.query_worker FD`; talks over that socket.

Protocol (pickled tuples): the parent sends ("open", path, config, address_space_bytes, watchdog_s)
and gets ("ready", pid) or ("error", message); then, per request, ("run", sql, max_rows, count_up_to,
batch_rows, max_result_bytes) -> ("page", columns, types, rows) and ("done", more, exact), or
("error", message); ("schema",) -> ("schema", Schema) or ("error", message).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import sys
import threading
from multiprocessing.connection import Connection

IDLE_EXIT_S = 600  # an idle worker exits on its own; the pool replaces workers older than this


def main(fd: int) -> None:
    conn = Connection(fd)
    try:
        _serve(conn)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        pass  # the app went away (or killed this worker's request): nothing left to answer


def _serve(conn: Connection) -> None:
    _, path, config, address_space_bytes, watchdog_s = conn.recv()
    if address_space_bytes:
        # Bounds what DuckDB's memory_limit does not see: huge lists and strings, and the Python rows.
        with contextlib.suppress(ValueError, OSError):  # macOS does not enforce it; Linux does
            resource.setrlimit(resource.RLIMIT_AS, (address_space_bytes, address_space_bytes))
    import duckdb

    try:
        db = duckdb.connect(path, read_only=True, config=config)
    except duckdb.Error as err:
        conn.send(("error", str(err)))
        return
    conn.send(("ready", os.getpid()))
    while conn.poll(IDLE_EXIT_S):
        request = conn.recv()
        # Should the app die mid-query, nobody kills this process: it stops itself a little later.
        watchdog = threading.Timer(watchdog_s, os._exit, (3,))
        watchdog.daemon = True
        watchdog.start()
        try:
            if request[0] == "schema":
                _schema(db, conn)
            else:
                _run(db, conn, *request[1:])
        finally:
            watchdog.cancel()


def _schema(db, conn: Connection) -> None:
    import duckdb

    from .introspect import introspect_connection

    try:
        conn.send(("schema", introspect_connection(db.cursor())))
    except (duckdb.Error, MemoryError) as err:
        conn.send(("error", str(err)))


def _run(db, conn: Connection, sql, max_rows, count_up_to, batch_rows, max_result_bytes) -> None:
    import duckdb

    # A fresh cursor per query: a failed or open transaction cannot leak into the next query.
    cursor = db.cursor()
    try:
        cursor.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        types = [str(d[1]) for d in cursor.description or []]
        page = pickle.dumps(("page", columns, types, _fetch(cursor, max_rows, batch_rows)), protocol=5)
        if len(page) > max_result_bytes:
            conn.send(("error", _too_large(len(page), max_result_bytes)))
            return
        conn.send_bytes(page)  # the first page goes back before the rest is counted
        conn.send(("done", *_count_rest(cursor, count_up_to, batch_rows)))
    except (MemoryError, duckdb.OutOfMemoryException) as err:
        # DuckDB's advice (raise memory_limit, fewer threads) is not the visitor's to follow.
        first_line = str(err).splitlines()[0] if str(err) else "Out of Memory Error"
        conn.send(("error", f"{first_line}. The query needs more memory than the sandbox allows."))
    except duckdb.Error as err:
        conn.send(("error", str(err)))
    finally:
        cursor.close()


def _too_large(size: int, limit: int) -> str:
    return (
        f"The result is {size / 2**20:.0f} MB, over the {limit / 2**20:.0f} MB a query may return: "
        "select fewer or shorter columns, or fewer rows."
    )


def _fetch(cursor, max_rows: int, batch_rows: int) -> list[tuple]:
    rows: list[tuple] = []
    while len(rows) < max_rows:
        batch = cursor.fetchmany(min(batch_rows, max_rows - len(rows)))
        if not batch:
            break
        rows.extend(batch)
    return rows


def _count_rest(cursor, bound: int, batch_rows: int) -> tuple[int, bool]:
    counted = 0
    while counted < bound:
        batch = cursor.fetchmany(min(batch_rows * 8, bound - counted))
        if not batch:
            return counted, True
        counted += len(batch)
    return counted, not cursor.fetchmany(1)


if __name__ == "__main__":
    main(int(sys.argv[1]))
