"""OpenAI-compatible servers (vLLM, Ollama, llama.cpp server, Cortex's OpenAI-compatible API)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import httpx
import openai

from .errors import BackendError, BackendTimeout, BadResponse, NotConfigured, Unsupported
from .http_errors import connection_failed, from_status
from .settings import OpenAICompatibleSettings
from .streaming import ChatStream, StreamPolicy, estimate_message_tokens
from .types import Capabilities, ChatParams, Health, Message, ProviderUsage

SERVICE = "The OpenAI-compatible server"


def _translate(exc: Exception, started: bool = False) -> BackendError:
    if isinstance(exc, openai.APITimeoutError):
        return BackendTimeout(f"{SERVICE} did not answer in time.")
    if isinstance(exc, openai.APIConnectionError):
        return connection_failed(SERVICE, during_stream=started)
    if isinstance(exc, openai.APIStatusError):
        return from_status(exc.status_code, SERVICE, exc.response.headers.get("retry-after"))
    if isinstance(exc, httpx.HTTPError):
        return connection_failed(SERVICE, during_stream=started)
    return BadResponse(f"{SERVICE} sent a reply Floe could not read ({type(exc).__name__}).")


class OpenAICompatibleBackend:
    name = "openai_compatible"

    def __init__(self, settings: OpenAICompatibleSettings, policy: StreamPolicy):
        self.settings = settings
        self.policy = policy
        self.client = openai.OpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key or "not-needed",  # local servers accept any key
            max_retries=0,  # ChatStream retries, and only before the first token
            timeout=policy.http_timeout(),
        )
        self._model = settings.model

    def list_models(self) -> list[str]:
        try:
            return [m.id for m in self.client.models.list()]
        except openai.OpenAIError as exc:
            raise _translate(exc) from None

    @property
    def model(self) -> str:
        if not self._model:
            models = self.list_models()
            if not models:
                raise NotConfigured(f"{SERVICE} lists no models; set FLOE_OPENAI_MODEL.")
            self._model = models[0]
        return self._model

    def info(self) -> Capabilities:
        return Capabilities(
            context_window=self.settings.context_window,
            streaming=True,
            embeddings=True,
            exact_token_count=False,
            default_model=self._model or "",
        )

    def health(self) -> Health:
        try:
            models = tuple(self.list_models())
        except BackendError as err:
            return Health(False, err.user_message)
        return Health(True, f"{len(models)} model(s) at {self.settings.base_url}", models)

    def count_tokens(self, messages: Sequence[Message]) -> tuple[int, bool]:
        # Chat templates add a few tokens per message; the estimate says so by being inexact.
        return estimate_message_tokens(messages)

    def complete_text(self, messages: Sequence[Message], max_tokens: int) -> str:
        """One whole, deterministic reply (a guard model's verdict), not streamed."""
        try:
            reply = self.client.chat.completions.create(
                model=self.model,
                messages=[m.as_dict() for m in messages],
                max_tokens=max_tokens,
                temperature=0,
            )
            return reply.choices[0].message.content or ""
        except (openai.OpenAIError, httpx.HTTPError) as exc:
            raise _translate(exc) from None
        except (IndexError, AttributeError):
            raise BadResponse(f"{SERVICE} sent a reply Floe could not read.") from None

    def chat(self, messages: Sequence[Message], params: ChatParams) -> ChatStream:
        model = params.model or self.model
        payload = [m.as_dict() for m in messages]

        def events(cancel: threading.Event) -> Iterator[str | ProviderUsage]:
            started = False
            try:
                stream = self.client.chat.completions.create(
                    model=model,
                    messages=payload,
                    temperature=params.temperature,
                    top_p=params.top_p,
                    max_tokens=params.max_tokens,
                    stream=True,
                    stream_options={"include_usage": True},
                )
                with stream:
                    for chunk in stream:
                        if cancel.is_set():
                            return
                        if chunk.usage:
                            details = getattr(chunk.usage, "prompt_tokens_details", None)
                            yield ProviderUsage(
                                chunk.usage.prompt_tokens,
                                chunk.usage.completion_tokens,
                                chunk.model,
                                getattr(details, "cached_tokens", None),  # vLLM's prefix cache
                            )
                        if chunk.choices and chunk.choices[0].delta.content:
                            started = True
                            yield chunk.choices[0].delta.content
            except openai.OpenAIError as exc:
                raise _translate(exc, started) from None
            except httpx.HTTPError as exc:
                raise _translate(exc, started) from None

        return ChatStream(events, self.policy, prompt_tokens=self.count_tokens(messages), model=model)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        model = self.settings.embedding_model or self.model
        try:
            reply = self.client.embeddings.create(model=model, input=list(texts))
        except openai.NotFoundError:
            raise Unsupported(f"{SERVICE} has no embedding model '{model}'.") from None
        except openai.OpenAIError as exc:
            raise _translate(exc) from None
        return [item.embedding for item in sorted(reply.data, key=lambda d: d.index)]


def create(settings: OpenAICompatibleSettings, policy: StreamPolicy) -> OpenAICompatibleBackend:
    return OpenAICompatibleBackend(settings, policy)
