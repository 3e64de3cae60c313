"""The evaluation harness: scoring rules, seeded faults, and the oracle run on the real suite."""

import pytest

from sql_agent.evaluation.faults import RepairOracle, inject_fault
from sql_agent.evaluation.harness import run_suite
from sql_agent.evaluation.scoring import results_match

from .conftest import EVAL_DIR


def test_rows_compare_as_a_multiset_with_columns_in_any_order():
    gold = [(1, "a"), (2, "b"), (2, "b")]
    assert results_match(gold, [("b", 2), ("a", 1), ("b", 2)], ordered=False)
    assert not results_match(gold, [("b", 2), ("a", 1)], ordered=False)
    assert not results_match(gold, [("b", 2), ("a", 1), ("a", 1)], ordered=False)


def test_row_order_counts_only_when_the_gold_query_orders():
    gold = [(1,), (2,)]
    assert results_match(gold, [(2,), (1,)], ordered=False)
    assert not results_match(gold, [(2,), (1,)], ordered=True)


def test_floats_are_compared_after_rounding():
    assert results_match([(0.1 + 0.2,)], [(0.3,)], ordered=False)
    assert not results_match([(0.3,)], [(0.31,)], ordered=False)


def test_faults_are_deterministic_for_a_seed(sample_schema):
    sql = "SELECT c.segment, count(*) FROM customers c JOIN orders o ON o.customer_id = c.customer_id GROUP BY 1"
    first = inject_fault(sql, sample_schema, "duckdb", 7, "item-1")
    assert first == inject_fault(sql, sample_schema, "duckdb", 7, "item-1")
    assert first[0] != sql
    kinds = {inject_fault(sql, sample_schema, "duckdb", seed, "item-1")[1] for seed in range(20)}
    assert kinds >= {"misspelled_column", "wrong_table", "missing_qualifier", "foreign_function"}


def test_the_oracle_repairs_only_from_the_suggestion_in_the_error(sample_source):
    from sql_agent.agent import SqlAgent

    oracle = RepairOracle("SELECT count(*) FROM custmers")
    answer = SqlAgent(sample_source, oracle).ask("How many customers?")
    assert [a.outcome for a in answer.attempts] == ["invalid", "ok"]
    assert answer.result.rows == sample_source.run("SELECT count(*) FROM customers").rows


@pytest.mark.skipif(not (EVAL_DIR / "duckdb-nsql").exists(), reason=f"no evaluation data at {EVAL_DIR}")
def test_oracle_faults_on_duckdb_nsql_are_mostly_caught_and_repaired(sample_db_path):
    card, records = run_suite("duckdb-nsql", EVAL_DIR, None, limit=30)
    assert card["items_scored"] == 30 and card["left_out"]
    # every injected identifier fault is caught before anything runs
    for kind in ("wrong_table", "misspelled_column"):
        stats = card["faults"].get(kind)
        if stats:
            assert stats["caught_before_run"] >= stats["n"] - 1
    assert card["accuracy_after_repair"] > card["accuracy_first_try"]
    assert card["accuracy_after_repair"] >= 0.8
