"""The values that cross the backend seam: messages, parameters, usage, capabilities, health."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str

    def as_dict(self) -> dict:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class ChatParams:
    model: str | None = None  # None: the backend's default model
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 512
    grammar: str | None = None  # llama.cpp GBNF the reply must follow; only the embedded backend honours it
    seed: int | None = None  # for sampling at temperature > 0; None: the backend's choice
    # the embedded backend's floor for unlikely tokens, relative to the likeliest (llama.cpp's min-p);
    # None: llama.cpp's 0.05, which on a confident model leaves one token and makes sampling greedy
    min_p: float | None = None


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_s: float | None = None  # seconds from the call to the first text delta
    total_s: float = 0.0
    exact: bool = False  # False: token counts are estimates, not the provider's or tokenizer's count
    model: str = ""
    # of prompt_tokens, those the model had already read (a prefix kept from an earlier call), when known
    kept_prompt_tokens: int = 0

    @property
    def tokens_per_s(self) -> float | None:
        gen_s = self.total_s - (self.first_token_s or 0.0)
        if self.completion_tokens < 2 or gen_s <= 0:
            return None
        return (self.completion_tokens - 1) / gen_s


@dataclass(frozen=True)
class ProviderUsage:
    """Token counts a provider reports inside its stream (exact when present)."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    model: str | None = None
    kept_prompt_tokens: int | None = None  # the prompt's prefix the model kept from an earlier call


@dataclass(frozen=True)
class QueueStatus:
    """A provider's event while the request waits for a model that runs one generation at a time."""

    ahead: int  # requests that go first


# The generation options every backend honours; a provider that honours more lists them in Capabilities.
BASIC_OPTIONS = frozenset({"temperature", "top_p", "max_tokens"})


@dataclass(frozen=True)
class Capabilities:
    context_window: int
    streaming: bool
    embeddings: bool
    exact_token_count: bool  # True when the backend counts tokens with the model's own tokenizer
    default_model: str = ""
    embedding_dim: int | None = None
    description: str = ""  # for people: the model's real name, size and what it is good for
    options: frozenset[str] = BASIC_OPTIONS  # the ChatParams fields this backend honours (model aside)


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str
    models: tuple[str, ...] = field(default_factory=tuple)


@runtime_checkable
class Backend(Protocol):
    """What every provider offers. `chat` returns a ChatStream (see backends.streaming)."""

    name: str

    def info(self) -> Capabilities: ...

    def health(self) -> Health: ...

    def chat(self, messages: Sequence[Message], params: ChatParams): ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...

    def count_tokens(self, messages: Sequence[Message]) -> tuple[int, bool]: ...
