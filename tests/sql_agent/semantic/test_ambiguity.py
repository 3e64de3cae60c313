"""A question word that points at several measures about equally is asked about, not guessed; the
answer becomes a synonym of the chosen column, and the same word is not asked about again."""

from __future__ import annotations

from sql_agent.schema import Column, Schema, Table
from sql_agent.semantic.ambiguity import choose_meaning, find_ambiguity
from sql_agent.semantic.draft import draft_semantic_model, to_yaml
from sql_agent.semantic.model import parse_semantic_model, sample_semantic_model

SHOP = Schema(
    "duckdb",
    (
        Table(
            "orders",
            (
                Column("order_id", "INTEGER"),
                Column("sales_amount", "DOUBLE"),
                Column("sales_units", "INTEGER"),
                Column("region", "VARCHAR"),
            ),
        ),
        Table("refunds", (Column("order_id", "INTEGER"), Column("refund_amount", "DOUBLE"))),
    ),
)


def test_a_word_two_measures_carry_is_asked_about():
    found = find_ambiguity("What were our sales by region?", SHOP, None)
    assert found.term == "sales" and found.options == (("orders", "sales_amount"), ("orders", "sales_units"))
    assert found.question() == "By “sales”, do you mean orders.sales_amount or orders.sales_units?"


def test_another_word_of_the_question_decides_it():
    assert find_ambiguity("What were our sales units by region?", SHOP, None) is None
    assert find_ambiguity("Total order count", SHOP, None) is None, "ids and generic words point at nothing"


def test_the_chosen_meaning_is_kept_as_a_synonym_and_not_asked_again():
    text = to_yaml(draft_semantic_model(SHOP, "shop"))
    text = choose_meaning(text, "sales", "orders", "sales_amount", [("orders", "sales_units")])
    model, problems = parse_semantic_model(text, SHOP)
    assert problems == []
    amount = next(c for c in model.columns if c.name == "sales_amount")
    assert "sales" in amount.synonyms
    assert find_ambiguity("What were our sales by region?", SHOP, model) is None


def test_a_word_two_columns_hold_as_synonyms_is_asked_until_one_is_chosen():
    text = to_yaml(draft_semantic_model(SHOP, "shop"))
    for column in ("sales_amount", "refund_amount"):  # a model that says "money" for both
        text = choose_meaning(text, "money", "orders" if column == "sales_amount" else "refunds", column, [])
    model, _ = parse_semantic_model(text, SHOP)
    found = find_ambiguity("How much money by region?", SHOP, model)
    assert found.options == (("orders", "sales_amount"), ("refunds", "refund_amount"))
    text = choose_meaning(text, "money", "refunds", "refund_amount", found.options)
    model, _ = parse_semantic_model(text, SHOP)
    assert find_ambiguity("How much money by region?", SHOP, model) is None


def test_the_sample_models_questions_are_not_asked_about(sample_schema):
    for question in sample_semantic_model().suggested_questions:
        assert find_ambiguity(question, sample_schema, sample_semantic_model()) is None, question
