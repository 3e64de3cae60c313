"""Semantic models for any source: drafted from the schema, checked line by line, saved per owner,
and verified answers reused without the model."""

from __future__ import annotations

import json

import duckdb
import pytest

from backends import Message
from sql_agent.cli import main as cli_main
from sql_agent.execution.sources import DuckDBSource
from sql_agent.generation.agent import SqlAgent
from sql_agent.generation.linking import link_schema
from sql_agent.semantic.draft import describe_with_model, draft_semantic_model, to_yaml
from sql_agent.semantic.edit import add_verified_query, remove_verified_query
from sql_agent.semantic.model import described_schema, parse_semantic_model
from sql_agent.semantic.store import DRAFT, SAVED, SemanticStore, model_for_source
from tests.conftest import free_port


@pytest.fixture
def shop(tmp_path) -> DuckDBSource:
    """A user's own database: one declared foreign key, two joins that only the names reveal."""
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute(
            """
            CREATE TABLE regions (region_id INTEGER PRIMARY KEY, region_name VARCHAR);
            CREATE TABLE customers (id INTEGER, name VARCHAR, region_id INTEGER REFERENCES regions(region_id));
            CREATE TABLE products (product_id INTEGER, title VARCHAR, list_price DOUBLE);
            CREATE TABLE orders (order_id INTEGER, customer_id INTEGER, product_id INTEGER,
                                 amount DECIMAL(10, 2), ordered_on DATE);
            INSERT INTO regions VALUES (1, 'North'), (2, 'South');
            INSERT INTO customers VALUES (1, 'Ann', 1), (2, 'Bo', 2);
            INSERT INTO products VALUES (1, 'Lamp', 20), (2, 'Desk', 150);
            INSERT INTO orders VALUES (1, 1, 1, 20, DATE '2024-01-05'), (2, 2, 2, 150, DATE '2024-02-07'),
                                      (3, 2, 1, 20, DATE '2024-02-09');
            """
        )
    source = DuckDBSource(path)
    yield source
    source.close()


def _joins(model: dict) -> set[tuple]:
    return {
        (r["left_table"], r["right_table"], c["left_column"], c["right_column"])
        for r in model.get("relationships", [])
        for c in r["relationship_columns"]
    }


def test_draft_has_every_table_and_key_relationship(shop):
    draft = draft_semantic_model(shop.schema, "Shop")
    assert [t["name"] for t in draft["tables"]] == ["customers", "orders", "products", "regions"]
    assert _joins(draft) == {
        ("customers", "regions", "region_id", "region_id"),  # declared
        ("orders", "customers", "customer_id", "id"),  # by name: customers has an `id` key
        ("orders", "products", "product_id", "product_id"),
    }
    orders = next(t for t in draft["tables"] if t["name"] == "orders")
    assert [c["name"] for c in orders["facts"]] == ["amount"]
    assert [c["name"] for c in orders["time_dimensions"]] == ["ordered_on"]
    regions = next(t for t in draft["tables"] if t["name"] == "regions")
    assert regions["dimensions"][1]["sample_values"] == ["North", "South"]
    # The drafted YAML reads back and passes every check against the database it came from.
    model, problems = parse_semantic_model(to_yaml(draft), shop.schema)
    assert problems == [] and model is not None
    assert model.suggested_questions[0] == "What is the sum of amount per month?"


def test_draft_finds_short_key_names_like_paperid_and_aid(tmp_path):
    # defog's scholar and academic databases: no declared keys; `paperid` in paper, `aid` in author
    path = tmp_path / "papers.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute(
            """
            CREATE TABLE paper (paperid INTEGER, title VARCHAR);
            CREATE TABLE author (aid INTEGER, name VARCHAR);
            CREATE TABLE writes (paperid INTEGER, aid INTEGER);
            CREATE TABLE domain_author (aid INTEGER, did INTEGER);
            """
        )
    source = DuckDBSource(path)
    draft = draft_semantic_model(source.schema, "Papers")
    source.close()
    assert _joins(draft) == {
        ("writes", "paper", "paperid", "paperid"),
        ("writes", "author", "aid", "aid"),
        ("domain_author", "author", "aid", "aid"),  # `did` in a two-word table is no key of its own
    }


def test_drafted_relationships_bring_in_the_joined_table(shop):
    model, _ = parse_semantic_model(to_yaml(draft_semantic_model(shop.schema, "Shop")))
    bare = link_schema("total amount per product title", shop.schema)
    described = described_schema(shop.schema, model)
    linked = link_schema("total amount per product title", described)
    assert "FOREIGN KEY (product_id) REFERENCES products" in linked.text
    assert "REFERENCES products" not in bare.text


@pytest.mark.parametrize(
    ("wrong", "right", "says"),
    [
        ("expr: amont", "expr: amount", "`orders` has no column `amont`"),
        ("time_dimension:", "time_dimensions:", "Did you mean `time_dimensions`?"),
        ("- name: product\n", "- name: products\n", "table `product` is not in the database"),
    ],
)
def test_a_wrong_name_is_reported_on_its_line(shop, wrong, right, says):
    text = to_yaml(draft_semantic_model(shop.schema, "Shop"))
    broken = text.replace(right, wrong, 1)
    model, problems = parse_semantic_model(broken, shop.schema)
    assert model is None
    assert [p.message for p in problems if says in p.message], problems
    problem = next(p for p in problems if says in p.message)
    assert wrong.strip() in broken.splitlines()[problem.line - 1]
    assert str(problem).startswith(f"Line {problem.line}: ")


def test_broken_yaml_names_where_it_breaks(shop):
    text = to_yaml(draft_semantic_model(shop.schema, "Shop"))
    broken = text.replace("synonyms: [customer]", "synonyms: [customer", 1)
    opened_on = broken.splitlines().index("  synonyms: [customer") + 1
    model, problems = parse_semantic_model(broken, shop.schema)
    assert model is None and len(problems) == 1
    assert "not valid YAML" in problems[0].message
    assert problems[0].line == opened_on or f"starts on line {opened_on}" in problems[0].message


def test_a_verified_query_that_writes_is_refused_with_its_line(shop):
    text, _ = add_verified_query(
        to_yaml(draft_semantic_model(shop.schema, "Shop")), "Drop it", "DROP TABLE orders", "ann"
    )
    _, problems = parse_semantic_model(text, shop.schema)
    assert len(problems) == 1
    assert "verified query `drop_it`" in problems[0].message
    assert text.splitlines()[problems[0].line - 1].strip().startswith("sql:")


def test_verify_then_the_same_question_runs_the_verified_sql_without_the_model(shop, tmp_path):
    store = SemanticStore(tmp_path / "semantic.sqlite")
    found = model_for_source(store, "local", shop)
    assert found.origin == DRAFT and not found.model.verified_queries
    sql = "SELECT c.name, sum(o.amount) AS spent FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY 1"
    text, name = add_verified_query(
        found.text, "How much did each customer spend?", sql, "local user", now=1_700_000_000
    )
    store.save("local", shop.key, text)

    def model_must_not_be_called(messages, **options):
        raise AssertionError("the model was asked although a verified query matches")

    found = model_for_source(store, "local", shop)
    assert found.origin == SAVED
    verified = found.model.verified_queries[0]
    assert (verified.verified_by, verified.verified_at) == ("local user", 1_700_000_000)
    answer = SqlAgent(shop, model_must_not_be_called, found.model).ask("how much did each customer spend")
    assert answer.verified == name
    assert sorted(answer.result.rows) == [("Ann", 20), ("Bo", 170)]

    # Removing it sends the question back to the model.
    store.save("local", shop.key, remove_verified_query(text, name))
    without = model_for_source(store, "local", shop).model
    with pytest.raises(AssertionError, match="the model was asked"):
        SqlAgent(shop, model_must_not_be_called, without).ask("how much did each customer spend")


def test_one_owner_never_sees_another_owners_model(shop, tmp_path):
    store = SemanticStore(tmp_path / "semantic.sqlite")
    text, _ = add_verified_query(
        model_for_source(store, "visitor:a", shop).text,
        "Orders per day?",
        "SELECT ordered_on, count(*) FROM orders GROUP BY 1",
        "visitor",
    )
    store.save("visitor:a", shop.key, text)
    assert model_for_source(store, "visitor:a", shop).model.verified_queries
    other = model_for_source(store, "visitor:b", shop)
    assert other.origin == DRAFT and not other.model.verified_queries
    store.delete("visitor:a", shop.key)
    assert model_for_source(store, "visitor:a", shop).origin == DRAFT


def test_verifying_the_same_question_again_replaces_it(shop):
    text = to_yaml(draft_semantic_model(shop.schema, "Shop"))
    text, first = add_verified_query(text, "Orders per day?", "SELECT 1", "ann")
    text, second = add_verified_query(text, "orders per day?", "SELECT 2", "ann")
    model, _ = parse_semantic_model(text)
    assert [q.sql for q in model.verified_queries] == ["SELECT 2"]


def test_describe_with_model_keeps_what_parses_and_skips_the_rest(shop):
    draft = draft_semantic_model(shop.schema, "Shop")
    replies = iter(
        [
            'Sure! {"description": "Who buys from us.", "synonyms": ["clients"], '
            '"columns": {"name": {"description": "Full name"}, "nope": {"description": "x"}}}',
            "I cannot help with that.",  # orders: not JSON, left as drafted
            '{"description": "What we sell.", "synonyms": "not a list"}',
            '{"synonyms": ["areas"]}',
        ]
    )
    prompts: list[list[Message]] = []

    def scripted(messages):
        prompts.append(messages)
        return next(replies)

    describe_with_model(draft, scripted)
    tables = {t["name"]: t for t in draft["tables"]}
    assert "amount" in prompts[1][0].content and "ordered_on" in prompts[1][0].content
    assert tables["customers"]["description"] == "Who buys from us."
    assert "clients" in tables["customers"]["synonyms"]
    assert tables["customers"]["dimensions"][1]["description"] == "Full name"
    assert "description" not in tables["orders"]
    assert tables["products"]["description"] == "What we sell."
    assert tables["regions"]["synonyms"][-1] == "areas"
    assert parse_semantic_model(to_yaml(draft), shop.schema)[1] == []


def test_cli_draft_check_show(shop, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FLOE_DATA_DIR", str(tmp_path / "data"))
    db = str(shop.path)
    assert cli_main(["semantic", "draft", "--db", db]) == 0
    drafted = capsys.readouterr().out
    assert "relationships:" in drafted
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(drafted)
    bad.write_text(drafted.replace("expr: amount", "expr: amont"))
    assert cli_main(["semantic", "check", "--db", db, str(bad), "--save"]) == 4
    out = capsys.readouterr().out
    assert f"{bad}: Line " in out and "`orders` has no column `amont`" in out
    assert cli_main(["semantic", "show", "--db", db]) == 0
    assert "draft semantic model" in capsys.readouterr().err  # the bad file was not saved
    assert cli_main(["semantic", "check", "--db", db, str(good), "--save"]) == 0
    assert "ok: 4 tables, 3 relationships" in capsys.readouterr().out
    assert cli_main(["semantic", "show", "--db", db]) == 0
    shown = capsys.readouterr()
    assert "saved semantic model" in shown.err and shown.out == drafted


def test_cli_ask_uses_the_saved_models_verified_query(shop, tmp_path, monkeypatch, capsys):
    """`ask` reads the same saved model as the app: a verified question runs without any model."""
    monkeypatch.setenv("FLOE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FLOE_OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")  # nobody answers there
    text, _ = add_verified_query(
        to_yaml(draft_semantic_model(shop.schema, "Shop")),
        "What is the total amount?",
        "SELECT sum(amount) AS total FROM orders",
        "local user",
    )
    (tmp_path / "shop.yaml").write_text(text)
    db = str(shop.path)
    assert cli_main(["semantic", "check", "--db", db, str(tmp_path / "shop.yaml"), "--save"]) == 0
    capsys.readouterr()
    assert cli_main(["ask", "--db", db, "--backend", "openai_compatible", "what is the total amount"]) == 0
    out = capsys.readouterr().out
    assert "verified query: ok" in out and "total\n190" in out.replace("190.00", "190")
    assert "What the query does: The sum of amount (as total); from orders." in out
    assert (
        cli_main(["ask", "--json", "--db", db, "--backend", "openai_compatible", "what is the total amount"])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["reading"] == "The sum of amount (as total); from orders."
    assert (
        cli_main(["ask", "--db", db, "--backend", "openai_compatible", "How many customers are there?"]) == 5
    )
