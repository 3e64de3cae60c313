"""Extract, then write: the model first picks the sentences that state the answer, then writes the answer
from those sentences alone; when it picks none, the answer says the documents do not cover it."""

from __future__ import annotations

import re

import pytest
from test_answers import ScriptedBackend
from test_support import lookalike_store, vocab_model  # noqa: F401 (fixtures)

from rag import answer as rag_answer
from rag.answer import EXTRACT_NOTE, answer_question
from rag.extract import extract_grammar, label_sentences
from rag.types import Hit
from tests.grammar_check import reply_fits

QUESTION = "How long does Northwind keep deleted files?"


class TwoStepBackend(ScriptedBackend):
    """Replies computed from each prompt in turn (the pick, then the answer); records every prompt."""

    def __init__(self, *replies):
        super().__init__("")
        self.replies, self.prompts = list(replies), []

    def chat(self, messages, params):
        self.prompts.append(messages[-1].content)
        reply = self.replies.pop(0)(messages[-1].content)
        return iter(re.findall(r"\s*\S+", reply))


def northwind_30_days(prompt: str) -> str:
    """The label of the sentence saying 30 days, in the Northwind passage of the pick's prompt."""
    block = next(b for b in prompt.split("\n\n") if "northwind" in b.split("\n")[0])
    return next(re.match(r"(S\d+):", line).group(1) for line in block.split("\n") if "30 days" in line)


def passage_number(prompt: str, file_start: str) -> int:
    return int(re.search(rf"^\[(\d+)\] \({file_start}", prompt, re.M).group(1))


@pytest.fixture
def extracting(monkeypatch):
    monkeypatch.setattr(rag_answer, "EXTRACT_THEN_WRITE", True)


def test_the_answer_is_written_from_the_picked_sentence_under_its_passages_number(
    lookalike_store,  # noqa: F811
    embedder,
    extracting,
):
    backend = TwoStepBackend(
        northwind_30_days,
        lambda p: f"Northwind keeps deleted files for 30 days [{passage_number(p, 'northwind')}].",
    )
    answer = answer_question(lookalike_store, embedder, QUESTION, backend=backend)
    picked_prompt, write_prompt = backend.prompts
    others = [line.split(": ", 1)[1] for line in picked_prompt.split("\n") if re.match(r"S\d+: ", line)]
    others = [text for text in others if "30 days" not in text]
    assert others and not any(text in write_prompt for text in others), "written from the picked one alone"
    assert "30 days" in write_prompt
    n = passage_number(write_prompt, "northwind")
    assert answer.mode == "generated" and answer.text.endswith(f"30 days [{n}].")
    cited = next(c for c in answer.citations if c.n == n)
    assert cited.cited and cited.file.startswith("northwind")
    assert "30 days" in cited.highlighted_text, "the inspector highlights the sentence the model picked"


def test_picking_no_sentence_says_the_documents_do_not_cover_it(lookalike_store, embedder, extracting):  # noqa: F811
    backend = TwoStepBackend(lambda p: "none")
    answer = answer_question(
        lookalike_store, embedder, "Does Northwind offer a student discount?", backend=backend
    )
    assert answer.mode == "not_found" and answer.note == EXTRACT_NOTE
    assert len(backend.prompts) == 1, "no answer is written"
    assert answer.citations and not any(c.cited for c in answer.citations), "the passages stay inspectable"


def test_a_reply_that_picks_nothing_it_was_shown_writes_from_the_whole_passages(
    lookalike_store,  # noqa: F811
    embedder,
    extracting,
):
    backend = TwoStepBackend(lambda p: "The second one.", lambda p: "30 days [1].")
    answer_question(lookalike_store, embedder, QUESTION, backend=backend)
    shown = [line.split(": ", 1)[1] for line in backend.prompts[0].split("\n") if re.match(r"S\d+: ", line)]
    written_from = " ".join(backend.prompts[1].split())
    assert all(text in written_from for text in shown), "a backend without grammars wandered off"


def test_the_pick_grammar_allows_only_labels_that_exist_or_none(vocab_model):  # noqa: F811
    hits = [
        Hit(1, "a.md", None, None, "Files stay for 30 days. Restores are free.", 0, 40, 1.0),
        Hit(2, "b.md", None, None, "Files stay for 90 days.", 0, 23, 0.9),
    ]
    sentences = label_sentences(hits)
    assert [(s.label, s.n) for s in sentences] == [("S1", 1), ("S2", 1), ("S3", 2)]
    grammar = extract_grammar(sentences)
    assert reply_fits(vocab_model, grammar, "S1")
    assert reply_fits(vocab_model, grammar, "S1, S3")
    assert reply_fits(vocab_model, grammar, "none")
    assert not reply_fits(vocab_model, grammar, "S4")
    assert not reply_fits(vocab_model, grammar, "Files stay for 30 days.")
