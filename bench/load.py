"""Many visitors at once: N real Chromium sessions against one app server on loopback (or spread over
several servers sharing one PostgreSQL database), each chatting, asking the sample database or asking
its documents at the same time. Prints figures; asserts nothing.

    python bench/load.py                           # N = 5, 10, 20 on the tiny model
    python bench/load.py --visitors 5 --model qwen2.5-coder-1.5b
    python bench/load.py --servers 2 --visitors 10 20   # two servers, a throwaway PostgreSQL

Per job: errors, p50/p95 seconds to the first visible answer text and to the finished answer; the
server's resident memory (with its query workers) sampled twice a second. Visitors are separate
browser contexts in visitor scope, so each has its own conversations and documents. Bounded: every
visitor gives up after --timeout seconds, and the server is stopped at the end. With --servers 2,
visitor n uses server n mod 2; both keep their state in one PostgreSQL database (--database-url, or a
throwaway cluster started for the run, as the tests start one) and each has its own data folder.
Several app servers share one model server, as a team runs them (a vLLM behind its app servers):
here a llama.cpp OpenAI-compatible server with the same model, since two embedded models on one
small machine would only measure the CPU they fight over.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from memory import tree_rss_gb  # noqa: E402

from tests.conftest import app_server_process, background_server, free_port  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
DONE = r"tok/s|out tokens"


async def chat(page, url: str, n: int) -> tuple[float, float]:
    from playwright.async_api import expect

    await page.goto(url)
    box = page.get_by_test_id("stChatInputTextArea")
    await expect(box).to_be_enabled()
    started = time.perf_counter()
    await box.fill(f"Visitor {n}: give two short tips for keeping houseplants alive.")
    await box.press("Enter")
    answer = page.get_by_test_id("stChatMessage").nth(1).get_by_test_id("stMarkdown").first
    await expect(answer).not_to_have_text("")
    first = time.perf_counter() - started
    import re

    await expect(page.get_by_test_id("stChatMessage").nth(1)).to_contain_text(re.compile(DONE))
    return first, time.perf_counter() - started


async def ask_data(page, url: str, n: int) -> tuple[float, float]:
    from playwright.async_api import expect

    await page.goto(url + "/ask_data")
    await page.get_by_test_id("stSidebar").get_by_text("Sample retail database").click()
    box = page.get_by_test_id("stChatInputTextArea")
    await expect(box).to_be_enabled()
    started = time.perf_counter()
    await box.fill(SQL_QUESTION)
    await box.press("Enter")
    await expect(page.get_by_test_id("stDataFrame").last).to_be_visible()
    done = time.perf_counter() - started
    return done, done


async def documents(page, url: str, n: int) -> tuple[float, float]:
    from playwright.async_api import expect

    await page.goto(url + "/documents")
    await page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        [{"name": f"notes-{n}.md", "mimeType": "text/markdown", "buffer": NOTES}]
    )
    await expect(page.get_by_role("button", name=f"Remove notes-{n}.md")).to_be_visible()
    await page.get_by_role("button", name="Add to the index").click()
    await expect(page.get_by_text(f"notes-{n}.md: added")).to_be_visible()
    started = time.perf_counter()
    await page.get_by_label("Question").fill("How often should the tomatoes be watered?")
    await page.get_by_role("button", name="Ask").click()
    await expect(page.get_by_text("[1] notes-", exact=False).first).to_be_visible()
    done = time.perf_counter() - started
    return done, done


# The tiny model cannot write SQL: it gets a verified question (answered without the model).
SQL_QUESTION = "How many orders came through each sales channel?"
NOTES = b"# Tomatoes\n\nWater tomato plants deeply twice a week in summer.\n\n# Roses\n\nPrune roses in late winter.\n"
JOBS = {"chat": chat, "sql": ask_data, "documents": documents}


async def visitor(browser, url: str, n: int, job: str, timeout_s: float, results: list) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(timeout_s * 1000)
    page = await context.new_page()
    from playwright.async_api import expect

    expect.set_options(timeout=timeout_s * 1000)
    try:
        first, finished = await asyncio.wait_for(JOBS[job](page, url, n), timeout_s)
        results.append((job, first, finished, None))
    except Exception as exc:  # a timeout or a page error: counted, never fatal for the bench
        results.append((job, None, None, f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:120]}"))
    finally:
        await context.close()


async def one_round(urls: list[str], visitors: int, timeout_s: float) -> list:
    from playwright.async_api import async_playwright

    results: list = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        jobs = list(JOBS)
        await asyncio.gather(
            *(
                visitor(browser, urls[n % len(urls)], n, jobs[n % len(jobs)], timeout_s, results)
                for n in range(visitors)
            )
        )
        await browser.close()
    return results


def q(values: list[float]) -> str:
    if not values:
        return "n/a"
    p95 = statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]
    return f"p50 {statistics.median(values):6.1f} s  p95 {p95:6.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visitors", type=int, nargs="+", default=[5, 10, 20])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--servers", type=int, default=1, help="app servers; more than one share PostgreSQL")
    parser.add_argument(
        "--database-url", help="the servers' shared database (default with --servers > 1: a throwaway one)"
    )
    args = parser.parse_args()
    if args.model != "smollm2-135m":
        global SQL_QUESTION
        SQL_QUESTION = "How many orders were placed in each year?"
    with contextlib.ExitStack() as stack:
        settings = {"FLOE_LOCAL_MODEL": args.model, "FLOE_CONVERSATION_SCOPE": "visitor"}
        database = args.database_url
        if args.servers > 1 and not database:
            from tests.postgres_server import ThrowawayPostgres

            postgres = ThrowawayPostgres(free_port()).start()
            stack.callback(postgres.remove)
            database = postgres.create_database()
        if database:
            settings["FLOE_DATABASE_URL"] = database
        if args.servers > 1:
            settings |= {
                "FLOE_BACKEND": "openai_compatible",
                "FLOE_OPENAI_BASE_URL": stack.enter_context(model_server(args.model)),
                "FLOE_OPENAI_MODEL": args.model,
            }
        urls, servers = [], []
        for i in range(args.servers):
            data = Path(tempfile.mkdtemp(prefix=f"floe-load-{i}-"))
            url, running = app_server_process(data, **settings)
            urls.append(url)
            servers.append(stack.enter_context(running))
        backend = "one shared llama.cpp server" if args.servers > 1 else "the embedded model"
        run_rounds(args, urls, servers, f"{'PostgreSQL' if database else 'SQLite'}; {backend}")
    return 0


@contextlib.contextmanager
def model_server(model: str):
    """One llama.cpp OpenAI-compatible server with `model`, for every app server; yields its /v1 URL."""
    from backends import load_settings
    from backends.local import model_file

    path = model_file(load_settings({"FLOE_LOCAL_MODEL": model}).local)
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(path), "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--n_ctx", "4096", "--model_alias", model]
    log = Path(tempfile.mkdtemp(prefix="floe-load-model-")) / "server.log"
    with background_server(cmd, base + "/models", log):
        yield base


def run_rounds(args, urls: list[str], servers: list, store: str) -> None:
    def rss_mb() -> float:
        return sum(tree_rss_gb(server.pid) for server in servers) * 1024

    print(f"model {args.model}; {len(servers)} server(s), state in {store}; RSS at start {rss_mb():.0f} MB")
    for n in args.visitors:
        samples: list[float] = []
        stop = threading.Event()

        def sample(samples=samples, stop=stop):
            while not stop.wait(0.5):
                samples.append(rss_mb())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        results = asyncio.run(one_round(urls, n, args.timeout))
        stop.set()
        sampler.join()
        print(f"\nN = {n} visitors, round took {time.perf_counter() - started:.1f} s")
        for job in JOBS:
            mine = [r for r in results if r[0] == job]
            ok = [r for r in mine if r[3] is None]
            print(
                f"  {job:<10} {len(ok)}/{len(mine)} ok   first text {q([r[1] for r in ok])}   "
                f"finished {q([r[2] for r in ok])}"
            )
            for r in mine:
                if r[3]:
                    print(f"    error: {r[3]}")
        if samples:
            print(
                f"  server RSS: start {samples[0]:.0f} MB, peak {max(samples):.0f} MB, end {samples[-1]:.0f} MB"
            )


if __name__ == "__main__":
    raise SystemExit(main())
