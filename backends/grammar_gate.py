"""Grammar-constrained decoding that asks the grammar only about the tokens the model would pick.

llama-cpp-python's `grammar=` puts llama.cpp's grammar sampler first in the chain, so every step
matches the whole vocabulary (151,936 entries for Qwen2.5) against the grammar: with Floe's SQL
grammar that is about 23 s per token on 2 cores (bench/grammar_cost.py). llama.cpp's own tools
sample first and check only the chosen token. `GrammarGate` does the same as a logits processor:
it walks the candidates from the most likely down, checks one token at a time and masks all but
the allowed ones. Greedy decoding stops at the first allowed token, which is exactly the token the
full-vocabulary grammar would have let greedy decoding pick; sampling keeps the allowed ones among
the top `window`, or the first allowed one below it.
"""

from __future__ import annotations

import ctypes
import math

import numpy as np

WINDOW = 40  # llama-cpp-python's default top_k: sampling never looks further down
DEEP = 2000  # below this rank, one pass of llama.cpp over the whole vocabulary beats token by token


class GrammarGate:
    """A llama-cpp-python logits processor; one per generation (it holds the grammar's state)."""

    def __init__(self, llm, grammar: str, *, greedy: bool, window: int = WINDOW, deep: int = DEEP):
        import llama_cpp

        self._api = llama_cpp
        self._sampler = llama_cpp.llama_sampler_init_grammar(llm._model.vocab, grammar.encode(), b"root")
        if not self._sampler:
            raise ValueError("llama.cpp could not parse the grammar")
        self._greedy = greedy
        self._end = llm.token_eos()
        self._window = window
        self._deep = max(deep, window)
        self._cell = (llama_cpp.llama_token_data * 1)()
        self._reply_starts: int | None = None  # prompt length: the tokens after it are the reply so far
        self._accepted = 0
        self.checked = 0  # tokens asked about, for benches

    def allows(self, token: int) -> bool:
        """Whether the grammar lets `token` come next."""
        self._cell[0] = self._api.llama_token_data(token, 0.0, 0.0)
        one = self._api.llama_token_data_array(self._cell, 1, -1, False)
        self._api.llama_sampler_apply(self._sampler, ctypes.byref(one))
        self.checked += 1
        return not math.isinf(self._cell[0].logit)

    def accept(self, token: int) -> None:
        """Moves the grammar past `token`, which must be allowed (llama.cpp aborts otherwise)."""
        self._api.llama_sampler_accept(self._sampler, token)
        self._accepted += 1

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        if self._reply_starts is None:
            self._reply_starts = len(input_ids)
        for token in input_ids[self._reply_starts + self._accepted :]:
            self.accept(int(token))  # the token sampled last step, from the ones this gate allowed
        allowed = self._allowed(scores)
        masked = np.full_like(scores, -np.inf)
        masked[allowed] = scores[allowed]
        return masked

    def _allowed(self, scores: np.ndarray) -> list[int]:
        window = min(self._window, len(scores) - 1)
        top = np.argpartition(-scores, window)[:window]
        top = top[np.argsort(-scores[top], kind="stable")]
        allowed: list[int] = []
        for token in map(int, top):
            if self.allows(token):
                allowed.append(token)
                if self._greedy:
                    break
        if allowed:
            return allowed
        # rare: nothing likely fits (the grammar holds the model off what it meant to write)
        for token in map(int, np.argsort(-scores, kind="stable")[window : self._deep]):
            if self.allows(token):
                return [token]
        fits = self._fits_anywhere(len(scores))
        if fits.size:
            return [int(fits[np.argmax(scores[fits])])]
        return [self._end]  # no token fits at all: end the reply rather than break the grammar

    def _fits_anywhere(self, size: int) -> np.ndarray:
        """The ids of all tokens the grammar allows next: one llama.cpp pass over the vocabulary."""
        cells = (self._api.llama_token_data * size)()
        view = np.recarray(
            (size,),
            dtype=np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True),
            buf=cells,
        )
        view.id[:] = np.arange(size, dtype=np.intc)
        view.logit[:] = 0.0
        every = self._api.llama_token_data_array(cells, size, -1, False)
        self._api.llama_sampler_apply(self._sampler, ctypes.byref(every))
        self.checked += size
        return view.id[: every.size][~np.isinf(view.logit[: every.size])].astype(np.int64)

    def close(self) -> None:
        if self._sampler:
            self._api.llama_sampler_free(self._sampler)
            self._sampler = None
