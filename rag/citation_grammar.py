"""A llama.cpp GBNF grammar for document answers: every sentence ends with citations of passages
that exist ("… 30 days [1]."), or the answer says the documents do not cover the question.

Only the embedded backend honours a grammar (Capabilities.options); others get the prompt alone.
Whether answers are better with it is measured in bench/rag_answers.py (--grammar).
"""

from __future__ import annotations

NOT_COVERED_OPENING = "The documents do not"


def citation_grammar(passages: int) -> str:
    """Sentences of text, each closed by one or more [n] with 1 <= n <= passages, then . ! or ?"""
    if passages < 1:
        raise ValueError("a cited answer needs at least one passage")
    numbers = " | ".join(f'"{n}"' for n in range(1, passages + 1))
    return rf"""
root ::= not-covered | sentence (" " sentence)*
sentence ::= first piece* " " cite+ end
cite ::= "[" number "]"
number ::= {numbers}
end ::= "." | "!" | "?"
first ::= [^\[\]\n.!?0-9 ] | digits
piece ::= [^\[\]\n.!?0-9] | digits
digits ::= [0-9]+ ("." [0-9]+)?
not-covered ::= "{NOT_COVERED_OPENING} " [^\[\]\n]+
"""
