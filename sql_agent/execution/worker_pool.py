"""Warm worker processes for one DuckDB file, so that a query can be killed at its deadline while
the common fast query pays no process start. A lease hands out an idle worker (or starts one); a
worker that timed out, crashed or was interrupted mid-request is killed (SIGKILL), never reused."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from .query_worker import IDLE_EXIT_S

PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
# The worker gets no API keys or passwords from the app's environment: only what Python needs.
WORKER_ENV_KEYS = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


class WorkerTimeout(Exception):
    """No reply before the deadline; the worker has been killed."""


class WorkerBusy(Exception):
    """Every worker stayed busy until the deadline."""


class WorkerFailed(Exception):
    """The worker could not open the database, or died mid-request; the message says which."""


@dataclass(eq=False)  # compared and hashed by identity: kept in a set
class Worker:
    process: subprocess.Popen
    conn: Connection
    idle_since: float = field(default_factory=time.monotonic)
    killed: bool = False  # by the pool, not by the kernel
    # close() and a request's own failure can kill the same worker at once; closing its pipe twice
    # would close whatever file reused the descriptor in between.
    _kill_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, message: tuple) -> None:
        try:
            self.conn.send(message)
        except OSError:
            raise WorkerFailed(self._death_note()) from None

    def receive(self, deadline: float) -> tuple:
        try:
            if not self.conn.poll(max(0.0, deadline - time.monotonic())):
                raise WorkerTimeout
            return self.conn.recv()
        except (EOFError, OSError):  # OSError: closed by kill() in another thread
            raise WorkerFailed(self._death_note()) from None

    def kill(self) -> None:
        with self._kill_lock:
            self.killed = True
            if self.conn.closed:
                return
            self.process.kill()
            self.process.wait()
            self.conn.close()

    def _death_note(self) -> str:
        code = self.process.wait()
        if self.killed:
            return "The query was stopped: its data source was closed."
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        return f"The query's worker process stopped ({how}); it probably ran out of memory."


class WorkerPool:
    def __init__(self, path: Path, config: dict, *, max_workers: int, warm: int, address_space_bytes: int,
                 watchdog_s: float, open_timeout_s: float = 60.0):  # fmt: skip
        self._open = ("open", str(Path(path).resolve()), config, address_space_bytes, watchdog_s)
        self._open_timeout_s = open_timeout_s
        self._warm = warm
        self._idle: list[Worker] = []
        self._busy: set[Worker] = set()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_workers)
        self._closed = False
        # A pool dropped without close() (e.g. evicted from Streamlit's cache) still stops its workers.
        weakref.finalize(self, _kill_all, self._idle, self._busy)
        self._idle.append(self._start())  # a file DuckDB cannot open fails here, not at the first query

    @property
    def pids(self) -> list[int]:
        """Live workers, idle and busy."""
        with self._lock:
            return [w.pid for w in [*self._idle, *self._busy]]

    @contextmanager
    def lease(self, deadline: float) -> Iterator[Worker]:
        """A worker for one request. Leaving with an exception kills it: it may still be running."""
        if not self._slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise WorkerBusy
        try:
            worker = self._take()
            try:
                yield worker
            except BaseException:
                self._discard(worker)
                raise
            self._give_back(worker)
        finally:
            self._slots.release()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = [*self._idle, *self._busy]  # leased ones are killed too: close means stop
            self._idle.clear()
            self._busy.clear()
        for worker in workers:
            worker.kill()

    def _take(self) -> Worker:
        with self._lock:
            if self._closed:
                raise WorkerFailed("The data source was closed.")
            # A worker idle for long may be exiting on its own (query_worker.IDLE_EXIT_S): replace it.
            fresh = [w for w in self._idle if time.monotonic() - w.idle_since < IDLE_EXIT_S / 2]
            stale = [w for w in self._idle if w not in fresh]
            self._idle[:] = fresh
            worker = self._idle.pop() if self._idle else None
        for old in stale:
            old.kill()
        if worker is None:
            worker = self._start()
        with self._lock:
            self._busy.add(worker)
        return worker

    def _give_back(self, worker: Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
            keep = not self._closed and len(self._idle) < self._warm
            if keep:
                worker.idle_since = time.monotonic()
                self._idle.append(worker)
        if not keep:
            worker.kill()

    def _discard(self, worker: Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
        worker.kill()
        # Start its replacement now, so that the next query finds a warm worker.
        threading.Thread(target=self._replenish, daemon=True).start()

    def _replenish(self) -> None:
        with self._lock:
            if self._closed or len(self._idle) >= self._warm:
                return
        try:
            worker = self._start()
        except WorkerFailed:
            return  # the next lease starts one and reports why
        with self._lock:
            keep = not self._closed and len(self._idle) < self._warm
            if keep:
                self._idle.append(worker)
        if not keep:
            worker.kill()

    def _start(self) -> Worker:
        parent, child = socket.socketpair()
        with child:
            process = subprocess.Popen(
                [sys.executable, "-m", "sql_agent.execution.query_worker", str(child.fileno())],
                pass_fds=[child.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=_worker_environment(),
            )
        worker = Worker(process, Connection(parent.detach()))
        try:
            worker.send(self._open)
            reply = worker.receive(time.monotonic() + self._open_timeout_s)
        except (WorkerTimeout, WorkerFailed):
            worker.kill()
            raise WorkerFailed("The database could not be opened in a worker process.") from None
        if reply[0] != "ready":
            worker.kill()
            raise WorkerFailed(reply[1])
        return worker


def _worker_environment() -> dict[str, str]:
    env = {key: os.environ[key] for key in WORKER_ENV_KEYS if key in os.environ}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))
    return env


def _kill_all(idle: list[Worker], busy: set[Worker]) -> None:
    for worker in [*idle, *busy]:
        worker.process.kill()
