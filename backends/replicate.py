"""Replicate: Snowflake Arctic Instruct (or another chat model) through the `replicate` SDK, streaming."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import httpx
import replicate
from replicate.exceptions import ModelError, ReplicateError
from replicate.stream import EventSource, ServerSentEvent

from .errors import BackendError, BadResponse, Unsupported, scrub
from .http_errors import connection_failed, from_status
from .settings import ReplicateSettings
from .streaming import ChatStream, StreamPolicy, estimate_tokens
from .types import Capabilities, ChatParams, Health, Message

SERVICE = "Replicate"

# ReplicateError keeps the status of a failed response but not its headers; this response hook
# keeps the Retry-After of a 429 for the thread that made the request (the ChatStream worker).
_retry_after = threading.local()


def _remember_retry_after(response: httpx.Response) -> None:
    if response.status_code == 429:
        _retry_after.value = response.headers.get("retry-after")


def chatml_prompt(messages: Sequence[Message]) -> str:
    """Arctic's chat format. Replicate's prompt_template is set to '{prompt}' so this is sent verbatim."""
    parts = [f"<|im_start|>{m.role}\n{m.content}<|im_end|>" for m in messages]
    return "\n".join(parts) + "\n<|im_start|>assistant\n"


def _translate(exc: Exception, started: bool = False) -> BackendError:
    if isinstance(exc, ReplicateError):
        retry_after = getattr(_retry_after, "value", None) if exc.status == 429 else None
        return from_status(exc.status or 500, SERVICE, retry_after)
    if isinstance(exc, ModelError):
        return BadResponse(f"The model on {SERVICE} failed: {exc}")
    if isinstance(exc, httpx.TimeoutException):
        return connection_failed(SERVICE, during_stream=started)
    if isinstance(exc, httpx.HTTPError):
        return connection_failed(SERVICE, during_stream=started)
    if isinstance(exc, RuntimeError):  # the SDK raises this for an `event: error` in the stream
        return BadResponse(f"{SERVICE} reported an error while generating: {scrub(str(exc))[:200]}")
    return BadResponse(f"{SERVICE} sent a stream event Floe could not read ({type(exc).__name__}).")


class ReplicateBackend:
    name = "replicate"

    def __init__(self, settings: ReplicateSettings, policy: StreamPolicy):
        self.settings = settings
        self.policy = policy
        self.client = replicate.Client(
            api_token=settings.api_token,
            base_url=settings.base_url,
            timeout=policy.http_timeout(),
            event_hooks={"response": [_remember_retry_after]},
        )

    def info(self) -> Capabilities:
        return Capabilities(
            context_window=self.settings.context_window,
            streaming=True,
            embeddings=False,
            exact_token_count=False,
            default_model=self.settings.model,
        )

    def health(self) -> Health:
        owner, _, name = self.settings.model.partition("/")
        try:
            self.client.models.get(f"{owner}/{name}")
        except Exception as exc:
            return Health(False, _translate(exc).user_message)
        return Health(True, f"{self.settings.model} is reachable", (self.settings.model,))

    def count_tokens(self, messages: Sequence[Message]) -> tuple[int, bool]:
        return estimate_tokens(chatml_prompt(messages)), False

    def chat(self, messages: Sequence[Message], params: ChatParams) -> ChatStream:
        model = params.model or self.settings.model
        owner, _, name = model.partition("/")
        model_input = {
            "prompt": chatml_prompt(messages),
            "prompt_template": "{prompt}",
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_new_tokens": params.max_tokens,
        }

        def events(cancel: threading.Event) -> Iterator[str]:
            started = False
            prediction = None
            _retry_after.value = None
            try:
                prediction = self.client.models.predictions.create(
                    model=(owner, name), input=model_input, stream=True
                )
                for event in self._stream(prediction):
                    if cancel.is_set():
                        break
                    if event.event.value == "output" and event.data:
                        started = True
                        # The SDK turns output starting with "https:" or "data:" into a FileOutput
                        # object; for a chat model it is text, and str() gives it back verbatim.
                        yield str(event.data)
            except Exception as exc:
                raise _translate(exc, started) from None
            finally:
                if cancel.is_set() and prediction is not None:
                    self._cancel_quietly(prediction)

        return ChatStream(events, self.policy, prompt_tokens=self.count_tokens(messages), model=model)

    def run_text(self, model_input: dict) -> str:
        """One whole prediction of `self.settings.model` (a guard's verdict): its text output."""
        owner, _, name = self.settings.model.partition("/")
        try:
            prediction = self.client.models.predictions.create(
                model=(owner, name), input=model_input, stream=True
            )
            if not (prediction.urls or {}).get("stream"):  # a model that does not stream
                prediction.wait()
                return "".join(str(part) for part in prediction.output or [])
            return "".join(
                str(e.data) for e in self._stream(prediction) if e.event.value == "output" and e.data
            )
        except Exception as exc:
            raise _translate(exc) from None

    def _stream(self, prediction) -> Iterator[ServerSentEvent]:
        """`Prediction.stream()` (replicate 1.0.7) plus the HTTP status check it lacks: the SDK reads
        an error response on the stream URL as a malformed stream (ValueError), which turned a
        retryable 5xx, or a 401/429, into a non-retryable BadResponse."""
        url = (prediction.urls or {}).get("stream")
        if not url:
            raise ReplicateError("Model does not support streaming")
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        with self.client._client.stream("GET", url, headers=headers) as response:
            if response.status_code >= 400:
                response.read()
                raise ReplicateError.from_response(response)
            yield from EventSource(self.client, response)

    @staticmethod
    def _cancel_quietly(prediction) -> None:
        """Stop the remote prediction so a stopped answer is not generated (and billed) to the end."""
        try:
            prediction.cancel()
        except Exception:
            pass  # best effort: the stream is already closed on our side

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        raise Unsupported("The Replicate backend offers no embeddings in Floe.")


def create(settings: ReplicateSettings, policy: StreamPolicy) -> ReplicateBackend:
    return ReplicateBackend(settings, policy)
