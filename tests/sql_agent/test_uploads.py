"""Uploaded CSV/Parquet files become tables of a scratch database that is queried read-only."""

import duckdb

from sql_agent.sources import DuckDBSource
from sql_agent.uploads import load_uploads
from sql_agent.validate import check_sql


def test_uploaded_files_become_queryable_tables(sample_db_path, tmp_path):
    parquet = tmp_path / "p.parquet"
    duckdb.sql("SELECT range AS id, range * 2 AS doubled FROM range(5)").write_parquet(str(parquet))
    files = [
        ("Monthly Sales.csv", b"month,amount\n2024-01,10\n2024-02,20\n"),
        ("numbers.parquet", parquet.read_bytes()),
    ]
    path = load_uploads(files)
    assert load_uploads(files) == path  # the same upload reuses its database
    source = DuckDBSource(path)
    assert {t.name for t in source.schema.tables} == {"monthly_sales", "numbers"}
    checked = check_sql("SELECT sum(amount) AS total FROM monthly_sales", "duckdb", source.schema)
    assert source.run(checked.sql).rows == [(30,)]
    assert not check_sql("DROP TABLE numbers", "duckdb", source.schema).allowed
    source.close()
