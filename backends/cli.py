"""`python -m backends list|chat|cpu-check`: see which backends work, chat from a terminal, and check
that llama.cpp runs on this CPU."""

from __future__ import annotations

import argparse
import sys

from .errors import BackendError
from .registry import PROVIDERS, create_backend, default_backend_name, is_configured, is_installed
from .settings import load_settings
from .types import ChatParams, Message


def create_for_terminal(name: str, settings):
    """create_backend, after preparing the embedded model's file with a progress line on stderr."""
    if name == "local":
        from .local import prepare_for_terminal

        prepare_for_terminal(settings.local)
    return create_backend(name, settings)


def _list(args) -> int:
    settings = load_settings()
    default = default_backend_name(settings)
    for name, provider in PROVIDERS.items():
        mark = "*" if name == default else " "
        if not is_configured(name, settings):
            state = "not installed" if not is_installed(name) else "not configured"
            print(f"{mark} {name:<18} {state:<15} {provider.label}; to use it: {provider.setup}")
            continue
        try:
            health = create_for_terminal(name, settings).health()
            state, detail = ("healthy" if health.ok else "unhealthy"), health.detail
        except BackendError as err:
            state, detail = "unavailable", err.user_message
        print(f"{mark} {name:<18} {state:<15} {detail}")
    print("(* = default backend)")
    return 0


def _chat(args) -> int:
    settings = load_settings()
    name = args.backend or default_backend_name(settings)
    if name is None:
        print("error: no backend is set up; see `python -m backends list`", file=sys.stderr)
        return 1
    params = ChatParams(model=args.model, max_tokens=args.max_tokens, temperature=args.temperature)
    messages = []
    if args.system:
        messages.append(Message("system", args.system))
    messages.append(Message("user", args.prompt))
    try:
        stream = create_for_terminal(name, settings).chat(messages, params)
        for delta in stream:
            sys.stdout.write(delta)
            sys.stdout.flush()
    except BackendError as err:
        sys.stdout.write("\n")
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # the worker thread is a daemon; leaving is enough to stop it
        print("\n[stopped]", file=sys.stderr)
        return 130
    u = stream.usage
    ttft = f"{u.first_token_s * 1000:.0f} ms" if u.first_token_s is not None else "n/a"
    tps = f"{u.tokens_per_s:.1f}" if u.tokens_per_s else "n/a"
    print(file=sys.stdout)
    print(
        f"[{name} {u.model}] prompt={u.prompt_tokens} completion={u.completion_tokens} "
        f"({'exact' if u.exact else 'estimated'}) first_token={ttft} total={u.total_s:.2f}s tok/s={tps}",
        file=sys.stderr,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backends", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="each backend: configured or not, healthy or not, and why")
    chat = sub.add_parser("chat", help="stream an answer to stdout; usage goes to stderr")
    chat.add_argument("prompt")
    chat.add_argument("--backend", choices=list(PROVIDERS))
    chat.add_argument("--model")
    chat.add_argument("--max-tokens", type=int, default=256)
    chat.add_argument("--temperature", type=float, default=0.7)
    chat.add_argument("--system")
    sub.add_parser(
        "cpu-check", help="run one prompt through llama.cpp in a child process; exit 1 if it fails"
    )
    args = parser.parse_args(argv)
    return {"list": _list, "chat": _chat, "cpu-check": _cpu_check}[args.command](args)


def _cpu_check(args) -> int:
    from .cpu_check import check, probe_model

    if not is_installed("local"):
        print("llama-cpp-python is not installed: nothing to check.")
        return 0
    try:
        ok, message = check(probe_model(load_settings().local))
    except BackendError as err:
        ok, message = False, err.user_message
    print(message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1
