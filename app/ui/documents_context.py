"""The Chat page's "answer from my documents": the same retrieval as the Documents page, as a system prompt."""

from __future__ import annotations

from backends import Backend, Message
from rag.answer import chat_context

from .citations import as_dict
from .state_database import documents_location


def with_documents(system_prompt: str, question: str, backend: Backend, owner: str, max_tokens: int):
    """(system prompt carrying numbered sources, citations as plain data) for this question."""
    budget = max(256, backend.info().context_window // 2 - max_tokens)
    sources, citations = chat_context(
        documents_location(owner),
        question,
        budget,
        count_tokens=lambda text: backend.count_tokens([Message("system", text)])[0],
    )
    return f"{system_prompt}\n\n{sources}".strip(), [as_dict(c) for c in citations]
