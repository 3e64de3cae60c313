"""A throwaway PostgreSQL server for the tests: Debian's `postgresql` binaries, a new cluster in a
temporary folder, listening on a free loopback port, with password (scram) logins.

PostgreSQL refuses to run as root; as root the cluster is owned by and run as `nobody`.
scripts/test installs the package; without it these tests fail with a message saying so.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

SUPERUSER = "floe"


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError("PostgreSQL is not installed: `apt-get install postgresql` (scripts/test does it)")


class ThrowawayPostgres:
    def __init__(self, port: int):
        self.port = port
        self.password = uuid.uuid4().hex
        self.bin = _binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="floe-pg-"))
        self.data = self.folder / "data"
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "nobody", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> ThrowawayPostgres:
        pwfile = self.folder / "pw"
        pwfile.write_text(self.password)
        if self.as_root:
            shutil.chown(self.folder, "nobody")
            shutil.chown(pwfile, "nobody")
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        self.restart()
        return self

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        return (
            f"postgresql+psycopg://{SUPERUSER}:{password or self.password}@127.0.0.1:{self.port}/{database}"
        )

    def create_database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url().replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Start the server (again, after `stop`), on the same port."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)
