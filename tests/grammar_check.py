"""Whether a reply fits a llama.cpp GBNF grammar, judged by llama.cpp's own grammar engine."""

from __future__ import annotations


def reply_fits(llm, grammar: str, reply: str) -> bool:
    """Feeds the reply token by token through the grammar (a vocab-only Llama is enough); False at the
    first token it masks, True when the reply and then the end of the reply are allowed."""
    from backends.grammar_gate import GrammarGate

    gate = GrammarGate(llm, grammar, greedy=True)
    try:
        for token in llm.tokenize(reply.encode(), add_bos=False, special=False) + [llm.token_eos()]:
            if not gate.allows(token):
                return False
            gate.accept(token)
        return True
    finally:
        gate.close()
