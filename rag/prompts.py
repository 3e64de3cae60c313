"""Prompt templates for answers from documents; print them to see exactly what the model gets."""

from __future__ import annotations

from .types import Hit

SYSTEM_PROMPT = (
    "You answer questions using only the numbered sources the user gives you. "
    "After every sentence that uses a source, cite it as [1], [2] and so on. "
    "If the sources do not contain the answer, say that the documents do not say, and do not guess. "
    "Be brief."
)

# A one-shot exchange showing the citation form: small models otherwise name the file, not the number.
EXAMPLE_QUESTION = (
    "Sources:\n\n[1] (garden.md, section 'Soil')\nTomatoes grow best in soil rich in compost.\n\n"
    "[2] (garden.md, section 'Watering')\nWater tomatoes twice a week in summer, early in the morning."
    "\n\nQuestion: How often should I water tomatoes?"
)
EXAMPLE_ANSWER = "Twice a week in summer, early in the morning [2]."

# A second exchange, where the sources do not answer: the refusal a small model otherwise rarely writes.
EXAMPLE_UNANSWERED_QUESTION = (
    "Sources:\n\n[1] (garden.md, section 'Watering')\nWater tomatoes twice a week in summer, early in the "
    "morning.\n\nQuestion: Which tomato variety grows best in pots?"
)
EXAMPLE_UNANSWERED = "The documents do not say which tomato variety grows best in pots."
SHOW_UNANSWERED_EXAMPLE = False  # measured: no more refusals on held-out questions (docs/benchmarks.md)

NOT_FOUND = "I could not find anything about this in your documents, so I will not guess an answer."

# Asked before an answer is written (rag/answer.ANSWERABILITY_GATE): do the passages answer at all? A
# prompt of its own: asked inside the answer's prompt (same system prompt and example, sharing the
# model's work on it), the model refused 6 of 38 answerable questions (docs/benchmarks.md).
GATE_SYSTEM = "You check whether numbered passages answer a question. Reply with one word: yes or no."
GATE_QUESTION = (
    "{sources}\n\nQuestion: {question}\n\nDo these passages state the answer to this exact question "
    "(not only something about the same subject)? Reply yes or no."
)
GATE_GRAMMAR = 'root ::= "yes" | "no"'


def gate_messages(question: str, hits: list[Hit]) -> list:
    from backends import Message

    sources = "\n\n".join(format_source(n, h) for n, h in enumerate(hits, start=1))
    return [
        Message("system", GATE_SYSTEM),
        Message("user", GATE_QUESTION.format(sources=sources, question=question)),
    ]


CHAT_SOURCES_PROMPT = (
    "The user turned on 'answer from my documents'. Answer from these numbered passages of the user's "
    "documents and cite them as [1], [2]. If they do not contain the answer, say so.\n\n{sources}"
)

CHAT_NO_SOURCES_PROMPT = (
    "The user turned on 'answer from my documents', but no passage of their documents is relevant to "
    "this question. Tell the user that their documents do not cover it; do not invent an answer."
)


def source_label(hit: Hit) -> str:
    """Where a passage is from, as the model reads it: "handbook.md, page 3, section 'Leave'"."""
    return (
        hit.file
        + (f", page {hit.page}" if hit.page else "")
        + (f", section '{hit.heading}'" if hit.heading else "")
    )


def format_source(n: int, hit: Hit) -> str:
    return f"[{n}] ({source_label(hit)})\n{hit.text}"


def system_with_sources(hits: list[Hit]) -> str:
    if not hits:
        return CHAT_NO_SOURCES_PROMPT
    sources = "\n\n".join(format_source(n, h) for n, h in enumerate(hits, start=1))
    return CHAT_SOURCES_PROMPT.format(sources=sources)
