"""Grammar-constrained replies on the embedded backend (the tiny model): the reply follows the grammar
whether decoding is greedy or sampled, and the token-by-token gate picks exactly what llama-cpp-python's
whole-vocabulary grammar path picks."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from backends import ChatParams, Message, create_backend, load_settings
from tests.conftest import TINY_MODEL

llama_cpp = pytest.importorskip("llama_cpp")

GRAMMAR = r"""root ::= "```sql\n" "SELECT " col (", " col)* " FROM " table ";\n```"
col ::= "name" | "email" | "segment" | "count(*)"
table ::= "customers" | "orders"
"""
FOLLOWS = re.compile(
    r"```sql\nSELECT (name|email|segment|count\(\*\))(, (name|email|segment|count\(\*\)))* FROM (customers|orders);\n```"
)
# the names the question asks for are not in the grammar, so a free reply would not match it
ASK = [Message("user", "Write SQL that lists the phone numbers and birthdays in the clients table.")]


@pytest.fixture(scope="module")
def local():
    return create_backend("local", load_settings(TINY_MODEL))


def test_a_free_reply_does_not_follow_the_grammar(local):
    reply = "".join(local.chat(ASK, ChatParams(temperature=0.0, max_tokens=60)))
    assert not FOLLOWS.fullmatch(reply.strip())


@pytest.mark.parametrize(
    "params",
    [
        ChatParams(temperature=0.0, max_tokens=60),
        ChatParams(temperature=0.9, max_tokens=60, seed=7, min_p=0.0),
    ],
    ids=["greedy", "sampled"],
)
def test_the_reply_follows_the_grammar(local, params):
    reply = "".join(local.chat(ASK, replace(params, grammar=GRAMMAR)))
    assert FOLLOWS.fullmatch(reply), reply


@pytest.mark.parametrize("deep", [2000, 40], ids=["token-by-token", "whole-vocabulary-pass"])
def test_greedy_gate_picks_what_the_whole_vocabulary_grammar_picks(gguf_path, deep):
    """deep=40: whenever none of the 40 likeliest tokens fits, the gate asks llama.cpp about all of them."""
    from backends.grammar_gate import GrammarGate

    llm = llama_cpp.Llama(model_path=gguf_path, n_ctx=1024, verbose=False)
    ask = [m.as_dict() for m in ASK]
    whole = llm.create_chat_completion(
        messages=ask, temperature=0.0, max_tokens=40, grammar=llama_cpp.LlamaGrammar.from_string(GRAMMAR)
    )
    gate = GrammarGate(llm, GRAMMAR, greedy=True, deep=deep)
    gated = llm.create_chat_completion(messages=ask, temperature=0.0, max_tokens=40, logits_processor=[gate])
    gate.close()
    assert gated["choices"][0]["message"]["content"] == whole["choices"][0]["message"]["content"]
    if deep == 40:
        assert gate.checked > llm.n_vocab(), (
            "this grammar holds the model off its 40 likeliest tokens at least once"
        )
