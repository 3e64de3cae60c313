"""Is each sentence of an answer backed by the passage it cites?

A sentence is *supported* by a passage when every number it states is in the passage (title and
section included) and enough of its other content words are there too. A sentence whose cited
passage does not support it is re-cited to the retrieved passage that does, or marked unsupported;
a sentence that cites nothing but states something the passages back gets the citation it lacks.
The method and its threshold were chosen by measurement on hand-labelled answer sentences
(bench/rag_support.py, docs/benchmarks.md): lexical, because embedding similarity cannot tell
"30 days" from "90 days" and judged paraphrases no better on the labelled sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .keywords import terms

# Share of a sentence's content words (less those of the question, which an answer restates) that the
# passage must hold. Measured against 107 sentences labelled by hand (bench/rag_support.py): 0.34-0.5
# flag the same sentences; embedding similarity as a second way in let unbacked ones through.
MIN_COVERAGE = 0.5
_CITE = re.compile(r"\s*\[(\d+)\]")
# A sentence ends at . ! or ? before a space or the end, and its [n] markers stay with it ("… [1]. …").
_SENTENCE = re.compile(r"[^\n]*?(?:[.!?](?:\s*\[\d+\])*(?=\s|$)|\n|$)")
_ANSWER_WORDS = {"yes", "no", "ye"}  # "Yes, …": an answer's particle, not a claim ("ye": its stem)
_FILE_LABEL = re.compile(r"\s*[(\[][^()\[\]\n]*\.[A-Za-z]{2,4}\b[^()\[\]\n]*[)\]]")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_NUMBER_WORDS = {
    word: str(value)
    for words in (
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty",
        "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
        "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth",
    )
    for value, word in enumerate(re.findall(r"\w+", words))
}
# What an answer says when the documents do not answer: not a claim that needs a source.
_NOT_IN_DOCUMENTS = re.compile(
    r"\b(documents?|sources?|passages?)\b[^.]*\b(do(es)? not|don't|doesn't|did not|no)\b"
    r"|\b(not|no)\b[^.]*\b(mention|say|state|contain|cover|information|found)",
    re.I,
)


@dataclass
class SentenceSupport:
    text: str  # the sentence without its [n] markers
    cites: list[int] = field(default_factory=list)  # the passages it cites after the check
    supported: bool = True  # False: no retrieved passage backs it ("not found in your documents")
    recited_from: list[int] | None = None  # what the model cited, when the check changed it ([]: nothing)
    claim: bool = True  # False: a sentence that states nothing to check (e.g. "The documents do not say.")

    @property
    def shown(self) -> str:
        """The sentence with the citations the check settled on: "… 30 days [1]." (none if unsupported)."""
        if not self.cites:
            return self.text
        marks = "".join(f"[{n}]" for n in self.cites)
        if self.text[-1:] in ".!?":
            return f"{self.text[:-1]} {marks}{self.text[-1]}"
        return f"{self.text} {marks}"


def check_answer(question: str, answer: str, passages: dict[int, str]) -> list[SentenceSupport]:
    """Each sentence of `answer` with the passages that back it. `passages`: number -> text, its first
    line the document's title and the next its section (a claim may name either)."""
    asked = set(terms(question))
    foreign = _foreign_title_words(passages)

    def backs(claim: str, n: int) -> float | None:
        """How well passage n backs the claim (the share of its words there), or None when it does not."""
        share = coverage(claim, passages[n], asked, foreign[n])
        return share if share is not None and share >= MIN_COVERAGE else None

    checked = []
    for raw in split_sentences(answer):
        cited = [int(n) for n in _CITE.findall(raw)]
        claim_text = _CITE.sub("", raw).strip()  # "… 30 days [1]." -> "… 30 days."
        checked_text = _FILE_LABEL.sub("", claim_text)  # "(handbook.md, section 'Leave')" is not a claim
        if not claim_text:
            continue
        if not _states_a_claim(checked_text):
            checked.append(SentenceSupport(claim_text, cited, True, None, claim=False))
            continue
        if _bare_reply(checked_text):  # "Yes, it does.": what it claims is the question itself
            checked_text = f"{checked_text} {question}"
        backing = [n for n in cited if n in passages and backs(checked_text, n) is not None]
        if backing:
            checked.append(SentenceSupport(claim_text, backing, True, None if backing == cited else cited))
            continue
        scored = [(score, -n) for n in passages if (score := backs(checked_text, n)) is not None]
        best = -max(scored)[1] if scored else None
        if best is None:
            checked.append(SentenceSupport(claim_text, [], False, cited or None))
        else:
            checked.append(SentenceSupport(claim_text, [best], True, cited))
    return checked


def split_sentences(text: str) -> list[str]:
    return [m.group().strip() for m in _SENTENCE.finditer(text) if m.group().strip()]


def coverage(
    claim: str, passage: str, asked: set[str] = frozenset(), foreign: set[str] = frozenset()
) -> float | None:
    """Share of the claim's content words found in the passage; None when a number of the claim is not
    there (a claim with the wrong number is never backed, however many words it shares), or when the
    claim names another document (a word of another passage's title that this passage lacks: "the
    draft handbook says…" is not backed by the handbook in force)."""
    if not numbers(claim) <= numbers(passage):
        return None
    words = set(terms(_words_only(claim))) - _ANSWER_WORDS
    if words & foreign:
        return None
    if not words:
        return 1.0
    have = set(terms(_words_only(passage)))
    body = set(terms(_words_only(passage.split("\n", 1)[-1])))  # the title names the document, not a fact
    # What the claim adds to the question must be in the passage (the title included)...
    new = (words - asked) or words
    added = len(new & have) / len(new)
    # ...and so must most of the claim itself, the title aside: a claim that restates the question
    # ("No, it does not run on Linux") is not backed by a passage that is merely about the same product.
    whole = len(words & body) / len(words)
    return min(added, whole)


def _foreign_title_words(passages: dict[int, str]) -> dict[int, set[str]]:
    """For each passage, the words of the other passages' titles (their first line) that it lacks."""
    titles = {n: set(terms(text.split("\n", 1)[0])) for n, text in passages.items()}
    return {
        n: set().union(*(t for m, t in titles.items() if m != n)) - set(terms(text))
        for n, text in passages.items()
    }


def numbers(text: str) -> set[str]:
    """The numbers a text states, written one way: "1,500" -> "1500", "0.40" -> "0.4", "two" -> "2"."""
    found = {_normal_number(m.group()) for m in _NUMBER.finditer(text)}
    found |= {n.split(":")[0] for n in found if ":" in n}  # "10:00" also says "10" ("10 am")
    found |= {_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _NUMBER_WORDS}
    return found - {""}


def _normal_number(raw: str) -> str:
    raw = raw.rstrip(".,:")
    if ":" in raw:
        return raw  # a time of day
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", raw):
        raw = raw.replace(",", "")
    whole, _, fraction = raw.replace(",", ".").partition(".")
    whole, fraction = whole.lstrip("0") or "0", fraction.rstrip("0")
    return f"{whole}.{fraction}" if fraction else whole


def _words_only(text: str) -> str:
    return _NUMBER.sub(" ", text)


def _states_a_claim(sentence: str) -> bool:
    return not _NOT_IN_DOCUMENTS.search(sentence) and bool(
        set(terms(_words_only(sentence))) | numbers(sentence)
    )


def _bare_reply(sentence: str) -> bool:
    """ "Yes." / "No, it does not.": a yes or no with no words or numbers of its own."""
    first = re.match(r"\W*(\w+)", sentence.lower())
    own = set(terms(_words_only(sentence))) - _ANSWER_WORDS
    return bool(first) and first.group(1) in ("yes", "no") and not own and not numbers(sentence)
