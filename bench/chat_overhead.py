"""Time to first token and tokens/s: Floe's openai_compatible backend vs the raw openai client.

Starts one llama.cpp server (python -m llama_cpp.server, bundled SmolLM2 GGUF) on loopback, then
runs N requests each way, interleaved, and prints medians and ratios.

    python bench/chat_overhead.py --runs 20 --max-tokens 64
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openai  # noqa: E402

from backends import ChatParams, Message, create_backend, load_settings  # noqa: E402
from backends.local import model_file  # noqa: E402

PROMPT = "Write two sentences about the sea."


def start_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model_file(load_settings({"FLOE_LOCAL_MODEL": "smollm2-135m"}).local)),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--model_alias",
            "bench",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/models", timeout=1)
            return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("llama.cpp server did not start")


def raw_run(client: openai.OpenAI, max_tokens: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    first, chunks = None, 0
    stream = client.chat.completions.create(
        model="bench",
        messages=[{"role": "user", "content": PROMPT}],
        max_tokens=max_tokens,
        temperature=0,
        stream=True,
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            chunks += 1
            first = first or time.perf_counter() - t0
    total = time.perf_counter() - t0
    return first, (chunks - 1) / (total - first) if chunks > 1 else 0.0


def floe_run(backend, max_tokens: int) -> tuple[float, float]:
    stream = backend.chat(
        [Message("user", PROMPT)], ChatParams(model="bench", temperature=0, max_tokens=max_tokens)
    )
    chunks = sum(1 for _ in stream)
    u = stream.usage
    return u.first_token_s, (chunks - 1) / (u.total_s - u.first_token_s) if chunks > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--max-tokens", type=int, default=64)
    args = parser.parse_args()
    proc, base = start_server()
    try:
        client = openai.OpenAI(base_url=base, api_key="not-needed", max_retries=0)
        backend = create_backend("openai_compatible", load_settings({"FLOE_OPENAI_BASE_URL": base}))
        raw_run(client, 8), floe_run(backend, 8)  # warm up both paths and the server's prompt cache
        raw, floe = [], []
        for _ in range(args.runs):  # interleaved so server drift affects both equally
            raw.append(raw_run(client, args.max_tokens))
            floe.append(floe_run(backend, args.max_tokens))
    finally:
        proc.terminate()
    med = statistics.median
    raw_ttft, floe_ttft = med(r[0] for r in raw) * 1000, med(f[0] for f in floe) * 1000
    raw_tps, floe_tps = med(r[1] for r in raw), med(f[1] for f in floe)
    print(f"runs={args.runs} max_tokens={args.max_tokens} server=llama.cpp SmolLM2-135M on loopback")
    print(
        f"time to first token  raw openai: {raw_ttft:8.1f} ms   floe: {floe_ttft:8.1f} ms   "
        f"added: {floe_ttft - raw_ttft:+.1f} ms   ratio: {floe_ttft / raw_ttft:.3f}"
    )
    print(
        f"chunks per second    raw openai: {raw_tps:8.1f}      floe: {floe_tps:8.1f}      "
        f"ratio: {floe_tps / raw_tps:.3f}"
    )
    print(
        f"target: floe adds <= 20 ms median to time to first token -> {'met' if floe_ttft - raw_ttft <= 20 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
