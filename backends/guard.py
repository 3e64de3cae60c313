"""An optional safety guard (FLOE_GUARD), off by default: each prompt, and optionally each answer,
is screened before the answering model sees it or the visitor sees the answer.

- `replicate`: Llama Guard on Replicate, as the Arctic demo does (`FLOE_GUARD_MODEL`, default
  meta/llama-guard-3-8b; REPLICATE_API_TOKEN). Its input is the prompt and, for an answer, `assistant`.
- `openai_compatible`: any OpenAI-compatible server serving a guard model, e.g. Llama Guard on vLLM
  (`FLOE_GUARD_BASE_URL`, default FLOE_OPENAI_BASE_URL; `FLOE_GUARD_API_KEY`; `FLOE_GUARD_MODEL`).
- `cortex`: Cortex COMPLETE's guardrails option (Cortex Guard, Llama Guard run by Snowflake). It
  screens what the Cortex model wrote, so it guards answers only, on the Cortex backend only.

A refused prompt never reaches the answering model (no tokens spent). `FLOE_GUARD_ANSWERS=true`
screens answers too; they then appear whole, once checked. A guard that fails (down, slow, an
unreadable verdict) refuses the request (`FLOE_GUARD_ON_ERROR=closed`, the default) or lets it
through with a warning in the log (`open`): the deployment chooses, never the visitor.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from .cortex_rest import CORTEX_FILTERED
from .errors import BackendError, BadResponse, NotConfigured, register_secret
from .settings import BackendSettings, OpenAICompatibleSettings
from .streaming import ChatStream, StreamPolicy
from .types import Backend, ChatParams, Message, ProviderUsage
from .wrapper import WrappedBackend

log = logging.getLogger(__name__)

KINDS = ("replicate", "openai_compatible", "cortex")
DEFAULT_REPLICATE_GUARD = "meta/llama-guard-3-8b"
VERDICT_TOKENS = 24  # "unsafe\nS1,S10" and some room

# Llama Guard 3's hazard categories (MLCommons taxonomy), to say why in plain words.
CATEGORIES = {
    "S1": "violent crimes", "S2": "non-violent crimes", "S3": "sex-related crimes",
    "S4": "child sexual exploitation", "S5": "defamation", "S6": "specialized advice",
    "S7": "privacy", "S8": "intellectual property", "S9": "indiscriminate weapons", "S10": "hate",
    "S11": "suicide and self-harm", "S12": "sexual content", "S13": "elections",
    "S14": "code interpreter abuse",
}  # fmt: skip


class Refused(BackendError):
    """The guard judged the prompt (or the answer) unsafe; nothing more is generated or shown."""

    hint = ""


class GuardUnavailable(BackendError):
    retryable = False  # the answering stream must not retry a guard failure on its own
    hint = "Try again in a moment."


@dataclass(frozen=True)
class GuardSettings:
    kind: str
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    screen_answers: bool = False
    fail_open: bool = False


def _text(cfg: Mapping[str, object], key: str) -> str:
    return str(cfg.get(key) or cfg.get(key.lower()) or "").strip()


def load_guard_settings(cfg: Mapping[str, object]) -> GuardSettings | None:
    """None when no guard is set. Raises NotConfigured for a value Floe cannot act on."""
    kind = _text(cfg, "FLOE_GUARD").lower().replace("-", "_")
    if kind in ("", "off", "none"):
        return None
    kind = {"openai": "openai_compatible", "vllm": "openai_compatible"}.get(kind, kind)
    if kind not in KINDS:
        raise NotConfigured(
            f"FLOE_GUARD must be one of {', '.join(KINDS)} (it is {_text(cfg, 'FLOE_GUARD')!r})."
        )
    on_error = _text(cfg, "FLOE_GUARD_ON_ERROR").lower() or "closed"
    if on_error not in ("closed", "open"):
        raise NotConfigured(f"FLOE_GUARD_ON_ERROR must be 'closed' or 'open' (it is {on_error!r}).")
    answers = _text(cfg, "FLOE_GUARD_ANSWERS").lower() in ("1", "true", "yes", "on")
    register_secret(_text(cfg, "FLOE_GUARD_API_KEY"))
    return GuardSettings(
        kind=kind,
        model=_text(cfg, "FLOE_GUARD_MODEL") or None,
        base_url=_text(cfg, "FLOE_GUARD_BASE_URL") or None,
        api_key=_text(cfg, "FLOE_GUARD_API_KEY") or None,
        screen_answers=answers or kind == "cortex",
        fail_open=on_error == "open",
    )


@dataclass(frozen=True)
class Verdict:
    safe: bool
    categories: tuple[str, ...] = ()

    def why(self) -> str:
        names = [CATEGORIES.get(c, c) for c in self.categories]
        return f" ({', '.join(names)})" if names else ""


def read_verdict(text: str) -> Verdict:
    """Llama Guard's answer: 'safe', or 'unsafe' and a line of categories ('S1,S10')."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = lines[0].lower() if lines else ""
    if first == "safe":
        return Verdict(True)
    if first == "unsafe":
        found = lines[1].replace(" ", "").split(",") if len(lines) > 1 else []
        return Verdict(False, tuple(c.upper() for c in found if c))
    raise BadResponse(f"The safety guard answered something that is not a verdict ({text.strip()[:40]!r}).")


class Guard(Protocol):
    screens_prompts: bool

    def verdict(self, prompt: str, answer: str | None = None) -> Verdict: ...


class ReplicateGuard:
    screens_prompts = True

    def __init__(self, guard: GuardSettings, settings: BackendSettings):
        from .replicate import ReplicateBackend

        if not settings.replicate.configured:
            raise NotConfigured("FLOE_GUARD=replicate needs REPLICATE_API_TOKEN.")
        model = guard.model or DEFAULT_REPLICATE_GUARD
        self.backend = ReplicateBackend(replace(settings.replicate, model=model), settings.policy)

    def verdict(self, prompt: str, answer: str | None = None) -> Verdict:
        model_input = {"prompt": prompt} | ({"assistant": answer} if answer is not None else {})
        return read_verdict(self.backend.run_text(model_input))


class OpenAICompatibleGuard:
    screens_prompts = True

    def __init__(self, guard: GuardSettings, settings: BackendSettings):
        from .openai_compatible import OpenAICompatibleBackend

        server = settings.openai_compatible
        base_url = guard.base_url or server.base_url
        if not base_url:
            raise NotConfigured(
                "FLOE_GUARD=openai_compatible needs FLOE_GUARD_BASE_URL (the guard model's server)."
            )
        own = OpenAICompatibleSettings(base_url, guard.api_key or server.api_key, guard.model)
        self.backend = OpenAICompatibleBackend(own, settings.policy)

    def verdict(self, prompt: str, answer: str | None = None) -> Verdict:
        """The conversation as the guard model's chat template expects it; it writes the verdict."""
        messages = [Message("user", prompt)] + ([Message("assistant", answer)] if answer is not None else [])
        return read_verdict(self.backend.complete_text(messages, VERDICT_TOKENS))


class CortexGuard:
    """Cortex Guard runs inside COMPLETE (the Cortex backend sends the guardrails option while
    FLOE_GUARD=cortex): an answer it filtered arrives as CORTEX_FILTERED."""

    screens_prompts = False

    def verdict(self, prompt: str, answer: str | None = None) -> Verdict:
        return Verdict(not (answer or "").strip().startswith(CORTEX_FILTERED))


def create_guard(guard: GuardSettings, settings: BackendSettings) -> Guard:
    if guard.kind == "replicate":
        return ReplicateGuard(guard, settings)
    if guard.kind == "openai_compatible":
        return OpenAICompatibleGuard(guard, settings)
    return CortexGuard()


class GuardedBackend(WrappedBackend):
    """A backend whose chat calls pass the guard first (and whose answers, if asked, after)."""

    def __init__(self, backend: Backend, guard: Guard, settings: GuardSettings, policy: StreamPolicy):
        super().__init__(backend)
        self.guard, self.settings, self.policy = guard, settings, policy
        if settings.kind == "cortex" and backend.name != "cortex":
            raise NotConfigured(
                "FLOE_GUARD=cortex guards answers of the Cortex backend only; choose Cortex, or set "
                "FLOE_GUARD to replicate or openai_compatible."
            )

    def chat(self, messages: Sequence[Message], params: ChatParams) -> ChatStream:
        prompt = next((m.content for m in reversed(messages) if m.role == "user"), "")
        if self.guard.screens_prompts:
            self.check(prompt)  # before the answering model is called: a refusal costs it nothing
        if not self.settings.screen_answers:
            return self.backend.chat(messages, params)
        # The whole answer is screened before any of it is shown; the outer stream only relays it.
        once = replace(
            self.policy, max_attempts=1, first_token_timeout_s=self.policy.first_token_timeout_s * 5
        )
        return ChatStream(
            self._screened_answer(messages, params, prompt),
            once,
            prompt_tokens=self.backend.count_tokens(messages),
            model=params.model or "",
        )

    def _screened_answer(self, messages: Sequence[Message], params: ChatParams, prompt: str):
        def events(cancel: threading.Event) -> Iterator[str | ProviderUsage]:
            inner = self.backend.chat(messages, params)
            text = ""
            for delta in inner:
                text += delta
                if cancel.is_set():
                    inner.cancel()
            u = inner.usage
            yield ProviderUsage(u.prompt_tokens, u.completion_tokens, u.model or None, u.kept_prompt_tokens)
            if not cancel.is_set():
                self.check(prompt, text)
                yield text

        return events

    def check(self, prompt: str, answer: str | None = None) -> None:
        """Raises Refused for an unsafe verdict; GuardUnavailable if the guard failed (unless open)."""
        what = "answer" if answer is not None else "request"
        try:
            verdict = self.guard.verdict(prompt, answer)
        except BackendError as err:
            if self.settings.fail_open:
                log.warning("The safety guard failed; answering anyway (FLOE_GUARD_ON_ERROR=open): %s", err)
                return
            raise GuardUnavailable(
                f"The safety guard could not check this {what}, so Floe did not "
                f"{'show it' if answer is not None else 'answer it'}: {err.user_message}"
            ) from None
        if not verdict.safe:
            if answer is None:
                raise Refused(f"This request was declined by the safety guard{verdict.why()}.")
            raise Refused(f"The answer was withheld by the safety guard{verdict.why()}.")
