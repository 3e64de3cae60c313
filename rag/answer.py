"""Answer a question from the documents: numbered sources in the prompt, [n] citations in the answer.

With the tiny embedded model, or when no backend works, the answer is extractive: the best
passages themselves, clearly labelled, instead of a poor generated text. When nothing relevant
was retrieved the answer says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from backends import (
    BackendError,
    ChatParams,
    Message,
    create_backend,
    default_backend_name,
    estimate_tokens,
    load_settings,
)

from . import prompts
from .citation_grammar import citation_grammar
from .citing import cite_passages
from .embedders import Embedder, embed_array
from .extract import SENTENCE, pick_sentences, picked_spans, picked_texts
from .keywords import terms
from .memory_index import MemoryIndex
from .paths import DocumentsLocation, may_hold_documents, open_store
from .prompts import (
    EXAMPLE_ANSWER,
    EXAMPLE_QUESTION,
    EXAMPLE_UNANSWERED,
    EXAMPLE_UNANSWERED_QUESTION,
    GATE_GRAMMAR,
    NOT_FOUND,
    SYSTEM_PROMPT,
    format_source,
    gate_messages,
    system_with_sources,
)
from .retrieval import DEFAULT_MODE, SearchResult, search
from .store import Store
from .support import SentenceSupport, check_answer
from .types import Hit, embed_prefix, file_title

ANSWER_TOKENS = 384
# Sampled at a low temperature with a fixed seed: the same question on the same passages gets the same
# answer (and a benchmark's two runs differ only by what changed, not by sampling).
ANSWER_TEMPERATURE = 0.2
ANSWER_SEED = 7
# Hold the embedded model's answer to rag/citation_grammar.py (every sentence cites a given passage).
CITATION_GRAMMAR = False
# Give the model only the passages of the document the question names (see named_document_hits).
NAMED_DOCUMENT_ONLY = True
NAMED_TITLE_SHARE = 0.75  # a title scoring this share of the best one's counts as named too
EXTRACTIVE_SOURCES = 3
OVERLAP_WEIGHT = 0.3
# Before writing, the model picks the sentences that state the answer (rag/extract.py).
EXTRACT_THEN_WRITE = False


@dataclass
class Citation:
    n: int
    file: str
    page: int | None
    chunk_id: int
    heading: str | None
    text: str
    highlight: tuple[int, int]  # the supporting passage, as offsets into `text`
    score: float
    cited: bool = False  # True when the answer refers to [n]
    support: float = 0.0  # how well the highlighted sentence matches the question
    title: str | None = None  # the document's title

    @property
    def highlighted_text(self) -> str:
        return self.text[self.highlight[0] : self.highlight[1]]


@dataclass
class Answer:
    question: str
    text: str
    mode: str  # "generated" | "extractive" | "not_found"
    citations: list[Citation] = field(default_factory=list)
    note: str | None = None  # why the answer is extractive or not found, when it is
    search: SearchResult | None = None
    # Generated answers: each sentence and the passages that back it (rag/support.py).
    sentences: list[SentenceSupport] = field(default_factory=list)

    @property
    def unsupported(self) -> list[SentenceSupport]:
        return [s for s in self.sentences if not s.supported]

    def as_dict(self) -> dict:
        data = {k: v for k, v in asdict(self).items() if k != "search"}
        for c, cite in zip(data["citations"], self.citations, strict=True):
            c["highlighted_text"] = cite.highlighted_text
        return data


def is_tiny_default(backend_name: str, settings) -> bool:
    """The tiny embedded model (SmolLM2-135M) is too weak to write grounded answers."""
    from backends.local import is_capable

    return backend_name == "local" and not is_capable(settings.local)


def answer_question(
    store: Store,
    embedder: Embedder,
    question: str,
    backend_name: str | None = None,
    settings=None,
    k: int = 5,
    mode: str = DEFAULT_MODE,
    index: MemoryIndex | None = None,
    on_delta: Callable[[str], None] | None = None,
    backend=None,
    max_tokens: int = ANSWER_TOKENS,
    grammar: bool | None = None,
) -> Answer:
    """Retrieve, then generate with citations, or extract. `backend` overrides `backend_name`."""
    result = search(store, embedder, question, k=k, mode=mode, index=index)
    if not result.relevant or not result.hits:
        return Answer(
            question,
            NOT_FOUND,
            "not_found",
            note="No passage scored above the relevance floor.",
            search=result,
        )
    settings = settings or load_settings()
    name = backend.name if backend is not None else (backend_name or default_backend_name(settings))
    if name is None:
        return _extractive(question, result, embedder, "No model backend is set up to write an answer.")
    if backend is None and is_tiny_default(name, settings):
        return _extractive(
            question, result, embedder, "The embedded model is too small to write a reliable answer."
        )
    try:
        backend = backend or create_backend(name, settings)
        use_grammar = CITATION_GRAMMAR if grammar is None else grammar
        return _generated(question, result, embedder, backend, on_delta, max_tokens, use_grammar)
    except BackendError as exc:
        return _extractive(question, result, embedder, f"The backend could not answer: {exc.user_message}")


def _generated(question, result: SearchResult, embedder, backend, on_delta, max_tokens, grammar) -> Answer:
    info = backend.info()
    budget = info.context_window - max_tokens
    shown = named_document_hits(result.hits) if NAMED_DOCUMENT_ONLY else result.hits
    hits = _fit_sources(shown, question, budget, lambda msgs: backend.count_tokens(msgs)[0])
    if ANSWERABILITY_GATE and not _passages_answer(question, hits, backend, info):
        return Answer(question, NOT_FOUND, "not_found", make_citations(hits, question, embedder),
                      search=result, note=GATE_NOTE)  # fmt: skip
    texts, spans = None, {}
    if EXTRACT_THEN_WRITE:
        picked = pick_sentences(question, hits, backend, info)
        if picked == []:
            return Answer(question, NOT_FOUND, "not_found", make_citations(hits, question, embedder),
                          search=result, note=EXTRACT_NOTE)  # fmt: skip
        if picked:
            texts, spans = picked_texts(hits, picked), picked_spans(picked)
    messages = build_messages(question, hits, texts)
    held = citation_grammar(len(hits)) if grammar and "grammar" in info.options else None
    parts = []
    for delta in backend.chat(
        messages,
        ChatParams(temperature=ANSWER_TEMPERATURE, max_tokens=max_tokens, grammar=held, seed=ANSWER_SEED),
    ):
        parts.append(delta)
        if on_delta:
            on_delta(delta)
    text, _ = cite_passages("".join(parts).strip(), hits)
    passages = {n: h.checked_text for n, h in enumerate(hits, start=1)}
    sentences = check_answer(question, text, passages)
    text = " ".join(s.shown for s in sentences)
    cited = {n for s in sentences for n in s.cites}
    citations = make_citations(hits, question, embedder)
    for c in citations:
        c.cited = c.n in cited
        c.highlight = spans.get(c.n, c.highlight)  # the sentences the model picked, when it picked
    claims = [s for s in sentences if s.claim]
    if claims and not any(s.supported for s in claims):  # the model answered from memory, not the passages
        return Answer(question, NOT_FOUND, "not_found", citations, search=result, sentences=sentences,
                      note=UNBACKED_NOTE)  # fmt: skip
    return Answer(question, text, "generated", citations, search=result, sentences=sentences)


UNBACKED_NOTE = "The model wrote an answer, but no passage found backs any of it; it is shown greyed below."
EXTRACT_NOTE = (
    "Asked to pick the sentences that state the answer, the model found none in the passages below."
)
GATE_NOTE = "Asked first, the model found that none of the passages below answers this question."
ANSWERABILITY_GATE = False  # measured in bench/rag_answers.py --gate; see docs/benchmarks.md


def _passages_answer(question: str, hits: list[Hit], backend, info) -> bool:
    """One short model call before writing: do the passages answer this question at all? (On the
    embedded backend the reply is held to 'yes' or 'no' by a grammar.)"""
    grammar = GATE_GRAMMAR if "grammar" in info.options else None
    params = ChatParams(temperature=0, max_tokens=2, grammar=grammar)
    reply = "".join(backend.chat(gate_messages(question, hits), params))
    return not reply.strip().lower().startswith("no")


def _extractive(question, result: SearchResult, embedder, note: str) -> Answer:
    from .retrieval import MIN_RELEVANCE

    # Quote only passages about as relevant as the best one; weaker ones would read as noise.
    floor = max(MIN_RELEVANCE, result.best_cosine * 0.75)
    hits = [h for h in result.hits if (h.vector_score or 0) >= floor][:EXTRACTIVE_SOURCES]
    citations = sorted(make_citations(hits, question, embedder), key=lambda c: -c.support)
    for n, c in enumerate(citations, start=1):  # the passage that best supports an answer comes first
        c.n = n
    lines = [f"- {c.highlighted_text.strip()} [{c.n}]" for c in citations]
    text = (
        "Extractive answer: the most relevant passages from your documents, quoted as they are.\n\n"
        + "\n".join(lines)
    )
    for c in citations:
        c.cited = True
    return Answer(question, text, "extractive", citations, note=note, search=result)


def named_document_hits(hits: list[Hit]) -> list[Hit]:
    """When the question names a document (its title matches clearly better than the others'), only
    that document's passages: a look-alike's passage with other numbers is the small model's commonest
    wrong answer. Only when the best passage is from that document too; questions that name no title
    (all scores 0) keep every hit, and so does one whose title word points elsewhere ("home")."""
    best = max((h.title_score or 0.0 for h in hits), default=0.0)
    if best <= 0.0 or (hits[0].title_score or 0.0) < best:
        return hits
    named = [h for h in hits if (h.title_score or 0.0) >= NAMED_TITLE_SHARE * best]
    return named or hits


def build_messages(question: str, hits: list[Hit], texts: dict[int, str] | None = None) -> list[Message]:
    """The answer's prompt; `texts` (passage number -> text) shows only those passages, with that text."""
    numbered = [
        (n, h if texts is None else replace(h, text=texts[n]))
        for n, h in enumerate(hits, start=1)
        if texts is None or n in texts
    ]
    sources = "\n\n".join(format_source(n, h) for n, h in numbered)
    examples = [Message("user", EXAMPLE_QUESTION), Message("assistant", EXAMPLE_ANSWER)]
    if prompts.SHOW_UNANSWERED_EXAMPLE:
        examples += [Message("user", EXAMPLE_UNANSWERED_QUESTION), Message("assistant", EXAMPLE_UNANSWERED)]
    return [
        Message("system", SYSTEM_PROMPT),
        *examples,
        Message("user", f"Sources:\n\n{sources}\n\nQuestion: {question}"),
    ]


def _fit_sources(hits: list[Hit], question: str, budget: int, count: Callable) -> list[Hit]:
    """The best hits whose prompt fits the backend's context budget (at least one, cut if need be)."""
    kept: list[Hit] = []
    for hit in hits:
        if count(build_messages(question, kept + [hit])) > budget:
            break
        kept.append(hit)
    return kept or hits[:1]


def make_citations(hits: list[Hit], question: str, embedder) -> list[Citation]:
    """Numbered citations, each highlighting the sentences that best match the question."""
    spans = [
        [m.span() for m in SENTENCE.finditer(h.text) if m.group().strip()] or [(0, len(h.text))] for h in hits
    ]
    sentences = [h.text[s:e] for h, hs in zip(hits, spans, strict=True) for s, e in hs]
    if not sentences:
        return []
    vectors = embed_array(embedder, [question] + sentences)
    asked = set(terms(question))
    # Meaning first, plus a bonus for sharing the question's words (names, numbers, rare terms).
    overlap = np.array([len(asked & set(terms(s))) / max(len(asked), 1) for s in sentences])
    scores = vectors[1:] @ vectors[0] + OVERLAP_WEIGHT * overlap
    citations, i = [], 0
    for n, (hit, hs) in enumerate(zip(hits, spans, strict=True), start=1):
        own = scores[i : i + len(hs)]
        i += len(hs)
        # The best sentence and its better neighbour: one sentence alone often misses half the support.
        best = int(np.argmax(own))
        neighbours = [j for j in (best - 1, best + 1) if 0 <= j < len(hs)]
        other = max(neighbours, key=lambda j: own[j], default=best)
        first, last = min(best, other), max(best, other)
        citations.append(
            Citation(n, hit.file, hit.page, hit.chunk_id, hit.heading, hit.text, (hs[first][0], hs[last][1]),
                     hit.score, support=float(own[best]), title=hit.title)
        )  # fmt: skip
    return citations


def check_chat_reply(question: str, reply: str, citations: Iterable[Mapping]) -> list[SentenceSupport]:
    """The Chat page's "answer from my documents": each sentence of a reply checked against the
    numbered passages it was given (citations as kept with the message; older ones have no title)."""
    passages = {
        c["n"]: embed_prefix(c.get("title") or file_title(c["file"]), c.get("heading")) + c["text"]
        for c in citations
    }
    return check_answer(question, reply, passages) if passages else []


def chat_context(
    store_path: DocumentsLocation | str,
    question: str,
    budget_tokens: int,
    embedder: Embedder | None = None,
    count_tokens: Callable[[str], int] | None = None,
    k: int = 5,
) -> tuple[str, list[Citation]]:
    """For the Chat page's "answer from my documents" toggle: a system message carrying numbered
    sources within `budget_tokens` (counted with `count_tokens`, default a 4-characters-per-token
    estimate), and the citations to render under the reply. No relevant passage: a system message
    telling the model to say so, and no citations."""
    from backends.local_embeddings import get_embedder

    if not may_hold_documents(store_path):  # no documents yet
        return system_with_sources([]), []
    embedder = embedder or get_embedder()
    count = count_tokens or estimate_tokens
    # Read-write like the Documents page: DuckDB refuses two configurations of one file in a process.
    with open_store(store_path) as store:
        result = search(store, embedder, question, k=k)
    if not result.relevant:
        return system_with_sources([]), []
    kept: list[Hit] = []
    for hit in result.hits:
        if count(system_with_sources(kept + [hit])) > budget_tokens:
            break
        kept.append(hit)
    return system_with_sources(kept), make_citations(kept, question, embedder)
