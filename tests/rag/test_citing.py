"""Which given passages an answer cites: [n] markers, and file names a model writes instead of numbers,
mapped to a passage only when they point at exactly one of those given to it."""

from __future__ import annotations

from rag.citing import cite_passages
from rag.types import Hit


def hit(chunk_id: int, file: str, page: int | None = None, heading: str | None = None) -> Hit:
    return Hit(chunk_id, file, page, heading, f"passage {chunk_id}", 0, 10, 1.0)


GIVEN = [
    hit(1, "handbook.md", heading="Annual leave"),
    hit(2, "router_manual.txt"),
    hit(3, "handbook.md", heading="Sick leave"),
    hit(4, "bread_guide.pdf", page=4),
    hit(5, "bread_guide.pdf", page=6),
]


def test_numbers_are_kept_and_numbers_nothing_was_given_for_are_dropped():
    text, cited = cite_passages("Staff get 27 days [1]. Routers need 5 GHz [2][9].", GIVEN)
    assert text == "Staff get 27 days [1]. Routers need 5 GHz [2][9]."
    assert cited == {1, 2}


def test_a_bracketed_file_with_one_given_passage_becomes_its_number():
    text, cited = cite_passages("Use the 5 GHz band (Source: router_manual.txt).", GIVEN)
    assert text == "Use the 5 GHz band [2]." and cited == {2}
    text, cited = cite_passages("Use the 5 GHz band [router_manual.txt].", GIVEN)
    assert text == "Use the 5 GHz band [2]." and cited == {2}


def test_a_bare_file_mention_gets_the_number_after_it():
    text, cited = cite_passages("According to router_manual.txt, use the 5 GHz band.", GIVEN)
    assert text == "According to router_manual.txt [2], use the 5 GHz band." and cited == {2}


def test_the_page_or_section_named_with_the_file_picks_among_its_passages():
    text, cited = cite_passages("Bake at 250 degrees (bread_guide.pdf, page 4).", GIVEN)
    assert text == "Bake at 250 degrees [4]." and cited == {4}
    text, cited = cite_passages("Two days need no note (handbook.md, section 'Sick leave').", GIVEN)
    assert text == "Two days need no note [3]." and cited == {3}


def test_an_ambiguous_or_unknown_file_is_left_as_written_and_cites_nothing():
    for answer in (
        "Staff get 27 days (handbook.md).",  # two passages from it were given
        "Bake at 250 degrees (bread_guide.pdf, page 9).",  # no given passage on that page
        "See the warranty (warranty.pdf).",  # not among the passages given to the model
    ):
        assert cite_passages(answer, GIVEN) == (answer, set())


def test_one_bracket_naming_two_files_numbers_each_name():
    text, cited = cite_passages("Both apply (router_manual.txt and bread_guide.pdf, page 6).", GIVEN)
    assert text == "Both apply (router_manual.txt [2] and bread_guide.pdf [5], page 6)." and cited == {2, 5}
