"""Every sentence of an answer backed by the passage it cites: re-cited when another passage backs it,
greyed as "not found in your documents" when none does, never passed off as cited."""

from __future__ import annotations

import pytest
from corpus import lookalike_files
from test_answers import ScriptedBackend

from rag.answer import answer_question
from rag.ingest import ingest_files
from rag.store import Store
from rag.support import check_answer, numbers
from tests.grammar_check import reply_fits

NORTHWIND = "Northwind Cloud Backup: FAQ\nHow long deleted files are kept\nFiles you delete stay in your backup for 30 days."  # noqa: E501
BLUEPEAK = (
    "Bluepeak Backup: FAQ\nHow long deleted files are kept\nFiles you delete stay in your backup for 90 days."
)
QUESTION = "How long does Northwind keep deleted files?"


def test_a_sentence_citing_the_look_alike_passage_is_re_cited_to_the_one_that_backs_it():
    [sentence] = check_answer(
        QUESTION, "Northwind keeps deleted files for 30 days [2].", {1: NORTHWIND, 2: BLUEPEAK}
    )
    assert (sentence.supported, sentence.cites, sentence.recited_from) == (True, [1], [2])
    assert sentence.shown == "Northwind keeps deleted files for 30 days [1]."


def test_a_claim_no_passage_backs_is_unsupported_and_cites_nothing():
    [sentence] = check_answer(
        QUESTION, "Northwind also gives students a 50% discount [1].", {1: NORTHWIND, 2: BLUEPEAK}
    )
    assert (sentence.supported, sentence.cites, sentence.recited_from) == (False, [], [1])
    assert sentence.shown == "Northwind also gives students a 50% discount."


def test_a_wrong_number_is_never_backed_however_many_words_match():
    [sentence] = check_answer(QUESTION, "Deleted files stay in your backup for 60 days [1].", {1: NORTHWIND})
    assert not sentence.supported


def test_saying_the_documents_do_not_cover_it_is_not_a_claim_to_cite():
    sentences = check_answer(
        "Does Northwind run on Linux?", "The documents do not say whether it runs on Linux.", {1: NORTHWIND}
    )
    assert [(s.claim, s.supported) for s in sentences] == [(False, True)]


def test_an_uncited_sentence_a_passage_backs_gets_its_citation():
    [sentence] = check_answer(QUESTION, "They are kept for 30 days.", {1: BLUEPEAK, 2: NORTHWIND})
    assert sentence.shown == "They are kept for 30 days [2]."


@pytest.mark.parametrize(
    "claim, passage",
    [("1500 euros", "more than 1,500 euros"), ("2 days a week", "two days a week"),
     ("from 10 am", "from 10:00 to 15:00"), ("0.4 euros", "0.40 euros per kilometre")],
)  # fmt: skip
def test_numbers_match_however_they_are_written(claim, passage):
    assert numbers(claim) <= numbers(passage)


@pytest.fixture(scope="module")
def lookalike_store(tmp_path_factory, embedder):
    path = tmp_path_factory.mktemp("support") / "index.duckdb"
    with Store(path) as store:
        ingest_files(store, embedder, lookalike_files())
    with Store(path, read_only=True) as store:
        yield store


def test_an_answer_citing_the_wrong_vendor_is_re_cited_in_the_answer(lookalike_store, embedder):
    question = "How long does Bluepeak keep deleted files?"
    passages = answer_question(
        lookalike_store, embedder, question, backend=ScriptedBackend("x"), k=5
    ).citations
    right = next(c.n for c in passages if "90 days" in c.text)
    wrong = next(c.n for c in passages if c.n != right)  # the model cites another passage
    backend = ScriptedBackend(f"Bluepeak keeps deleted files for 90 days [{wrong}].")
    answer = answer_question(lookalike_store, embedder, question, backend=backend, k=5)
    assert answer.text == f"Bluepeak keeps deleted files for 90 days [{right}]."
    assert [c.n for c in answer.citations if c.cited] == [right]
    assert answer.sentences[0].recited_from == [wrong]


def test_an_answer_from_memory_is_said_to_be_not_in_the_documents(lookalike_store, embedder):
    backend = ScriptedBackend("Yes, Northwind gives students a 40% discount on the Personal plan [1].")
    answer = answer_question(
        lookalike_store, embedder, "Does Northwind offer a discount for students?", backend=backend
    )
    assert answer.mode == "not_found" and "could not find" in answer.text
    assert [s.supported for s in answer.sentences] == [False]
    assert not any(c.cited for c in answer.citations)


def test_a_partly_backed_answer_keeps_its_backed_sentence_and_marks_the_other(lookalike_store, embedder):
    backend = ScriptedBackend(
        "Northwind keeps deleted files for 30 days [1]. Northwind also stores them in Iceland [1]."
    )
    answer = answer_question(
        lookalike_store, embedder, "How long does Northwind keep deleted files?", backend=backend
    )
    assert answer.mode == "generated"
    assert [s.supported for s in answer.sentences] == [True, False]
    assert answer.text.endswith("Northwind also stores them in Iceland.")  # no citation left on it
    assert answer.as_dict()["sentences"][1]["supported"] is False


@pytest.fixture(scope="module")
def vocab_model(gguf_path):
    llama = pytest.importorskip("llama_cpp")
    return llama.Llama(model_path=gguf_path, vocab_only=True, verbose=False)


def test_the_citation_grammar_refuses_a_passage_number_that_does_not_exist(vocab_model):
    from rag.citation_grammar import citation_grammar

    grammar = citation_grammar(3)
    assert reply_fits(
        vocab_model, grammar, "Deleted files are kept for 30 days [1]. The fee is 0.40 euros [2][3]."
    )
    assert not reply_fits(vocab_model, grammar, "Deleted files are kept for 30 days [4].")
    assert not reply_fits(vocab_model, grammar, "Deleted files are kept for 30 days.")  # no citation
    assert reply_fits(vocab_model, grammar, "The documents do not say whether students get a discount.")


def test_a_claim_that_only_restates_the_question_is_not_backed_by_a_passage_about_the_same_product():
    [sentence] = check_answer(
        "Does Northwind Cloud Backup run on Linux?",
        "No, Northwind Cloud Backup does not run on Linux [1].",
        {1: NORTHWIND},
    )
    assert not sentence.supported
    [backed] = check_answer(
        "Can I keep deleted files for a while?",
        "Yes, deleted files stay in your backup for 30 days [1].",
        {1: NORTHWIND},
    )
    assert backed.supported and backed.cites == [1]


def test_a_bare_yes_claims_the_question_and_is_backed_only_by_a_passage_that_says_it():
    handbook = "Employee Handbook\nSick leave\nTell your manager before 10:00 on the first day of absence."
    [sentence] = check_answer("Does the handbook give bereavement leave?", "Yes, it does [1].", {1: handbook})
    assert (sentence.supported, sentence.cites) == (False, [])
    [backed] = check_answer("Does Northwind keep deleted files in the backup?", "Yes [1].", {1: NORTHWIND})
    assert backed.supported and backed.cites == [1]


def test_a_claim_naming_the_other_documents_title_is_not_backed_by_this_one():
    handbook = "Harbor Labs Employee Handbook\nSick leave\nA doctor's note is needed from the fourth day."
    draft = "Harbor Labs Employee Handbook: DRAFT revision\nSick leave\nA doctor's note would be needed from the sixth day."
    [sentence] = check_answer(
        "When would the draft need a doctor's note?",
        "The draft handbook would require a doctor's note from the fourth day [1].",
        {1: handbook, 2: draft},
    )
    assert (sentence.supported, sentence.cites) == (False, [])


def test_the_model_sees_only_the_passages_of_the_document_the_question_names(lookalike_store, embedder):
    backend = ScriptedBackend("The daily allowance was 45 euros [1].")
    question = "What was the meal allowance in version 3 of the travel policy?"
    answer = answer_question(lookalike_store, embedder, question, backend=backend, k=5)
    prompt = backend.sent[-1].content
    assert "travel_policy_2023.txt" in prompt and "travel_policy_2025.txt" not in prompt
    assert (
        answer.text == "The daily allowance was 45 euros [1]."
        and answer.citations[0].file == "travel_policy_2023.txt"
    )


def test_a_question_naming_no_document_sees_every_passage_found(lookalike_store, embedder):
    backend = ScriptedBackend("x")
    answer_question(lookalike_store, embedder, "How long are deleted files kept?", backend=backend, k=4)
    prompt = backend.sent[-1].content
    assert "northwind_backup_faq.md" in prompt and "bluepeak_backup_faq.md" in prompt
