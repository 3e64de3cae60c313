"""`python -m backends list|chat`, as a script would call it."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT, TINY_MODEL


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FLOE_", "OPENAI_", "REPLICATE_", "SNOWFLAKE_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "backends", *args],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_list_shows_each_backend_and_why(tmp_path):
    out = run_cli("list", env={**TINY_MODEL, "FLOE_DATA_DIR": str(tmp_path)}).stdout
    assert "* local" in out and "healthy" in out
    assert "Smollm2 135M" in out and "0.10 GB" in out  # the name in the GGUF metadata, and the size
    for name in ("openai_compatible", "replicate", "cortex"):
        assert f"{name}" in out and "not configured" in out


def test_chat_streams_to_stdout_and_usage_to_stderr():
    result = run_cli(
        "chat", "--backend", "local", "--max-tokens", "16", "--temperature", "0", "Say hi.", env=TINY_MODEL
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "completion=" in result.stderr and "first_token=" in result.stderr


def test_chat_failure_exits_non_zero_with_a_readable_message_and_no_secret():
    result = run_cli(
        "chat",
        "--backend",
        "openai_compatible",
        "hi",
        env={
            "FLOE_OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
            "FLOE_OPENAI_MODEL": "m",
            "FLOE_OPENAI_API_KEY": "sk-test-secret-123456",
            "FLOE_MAX_ATTEMPTS": "1",
        },
    )
    assert result.returncode != 0
    assert "error:" in result.stderr and "OpenAI-compatible server" in result.stderr
    assert "sk-test-secret-123456" not in result.stderr + result.stdout


def test_chat_with_an_unconfigured_backend_says_what_to_set():
    result = run_cli("chat", "--backend", "replicate", "hi")
    assert result.returncode != 0 and "not configured" in result.stderr


def test_cpu_check_runs_a_prompt_through_llama_cpp_on_this_machine(tmp_path):
    done = run_cli("cpu-check", env={"FLOE_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "llama.cpp runs on this CPU" in done.stdout


def test_a_crash_in_llama_cpp_is_reported_with_the_fix_and_leaves_the_caller_running(tmp_path):
    from backends.cpu_check import check

    crashing = "import os, signal, sys; os.kill(os.getpid(), signal.SIGSEGV)"
    ok, message = check(tmp_path / "model.gguf", probe=crashing)
    assert not ok and "crashed on this CPU (SIGSEGV)" in message and "scripts/install" in message
