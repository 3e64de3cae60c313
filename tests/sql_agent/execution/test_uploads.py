"""Uploaded CSV/Parquet files become tables of a scratch database that is queried read-only; bad files
are refused with a message that names them and says why, and leave nothing behind."""

import io
import re
import zipfile

import duckdb
import pytest

from rag.loaders import MAX_FILE_BYTES as rag_max_file_bytes
from sql_agent.execution.sample_db import data_dir
from sql_agent.execution.sources import DuckDBSource
from sql_agent.execution.uploads import MAX_FILE_BYTES, UploadError, load_uploads
from sql_agent.safety.validate import check_sql

from ..conftest import REPO_ROOT

GOOD_CSV = ("Monthly Sales.csv", b"month,amount\n2024-01,10\n2024-02,20\n")


@pytest.fixture
def parquet_bytes(tmp_path) -> bytes:
    parquet = tmp_path / "p.parquet"
    duckdb.sql("SELECT range AS id, range * 2 AS doubled FROM range(5)").write_parquet(str(parquet))
    return parquet.read_bytes()


def _zip_of(name: str, text: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, text)
    return out.getvalue()


def test_uploaded_files_become_queryable_tables(sample_db_path, parquet_bytes):
    files = [GOOD_CSV, ("numbers.parquet", parquet_bytes)]
    path = load_uploads(files)
    assert load_uploads(files) == path  # the same upload reuses its database
    source = DuckDBSource(path)
    assert {t.name for t in source.schema.tables} == {"monthly_sales", "numbers"}
    checked = check_sql("SELECT sum(amount) AS total FROM monthly_sales", "duckdb", source.schema)
    assert source.run(checked.sql).rows == [(30,)]
    assert not check_sql("DROP TABLE numbers", "duckdb", source.schema).allowed
    source.close()


def test_a_file_named_like_an_sql_keyword_becomes_a_table_queried_without_quotes(sample_db_path):
    source = DuckDBSource(load_uploads([("Order.csv", b"id,total\n1,9.5\n"), ("group.csv", b"g\nA\n")]))
    try:
        assert {t.name for t in source.schema.tables} == {"order_data", "group_data"}
        checked = check_sql("SELECT sum(total) FROM order_data", "duckdb", source.schema)
        assert checked.allowed and source.run(checked.sql).rows == [(9.5,)]
    finally:
        source.close()


def test_quoted_fields_semicolons_and_line_breaks_load_as_written(sample_db_path):
    files = [
        ("people.csv", b'name,note\n"Smith, J","said ""hi"""\nBob,\n'),
        ("semicolons.csv", b"a;b\n1;2\n"),
        ("notes.csv", b'id,text\n1,"line one\nline two"\n'),
    ]
    source = DuckDBSource(load_uploads(files))
    try:
        assert source.run("SELECT * FROM people").rows == [("Smith, J", 'said "hi"'), ("Bob", None)]
        assert source.run("SELECT * FROM semicolons").rows == [(1, 2)]
        assert source.run("SELECT text FROM notes").rows == [("line one\nline two",)]
    finally:
        source.close()


WIDE = ",".join(f"c{i}" for i in range(5000)) + "\n" + ",".join("1" for _ in range(5000)) + "\n"
BAD_FILES = {
    "truncated parquet": ("numbers.parquet", None, "not a complete Parquet file"),
    "zip renamed .csv": ("sales.csv", _zip_of("sales.csv", "a,b\n1,2\n"), "ZIP archive, not CSV text"),
    "unclosed quote": ("sales.csv", b'id,name,amount\n1,"Alice,10\n2,Bob,20\n', "check its quotes"),
    "stray quote": ("sales.csv", b'id,name\n1,"Al"ice"\n2,Bob\n', "check its quotes"),
    "ragged rows": ("sales.csv", b"a,b,c\n1,2,3\n4,5\n", "line 3 has 2 fields, the header has 3"),
    "5,000 columns": ("wide.csv", WIDE.encode(), "5,000 columns; the limit is 1,000"),
    "not UTF-8": ("sales.csv", "name\ncafé\n".encode("latin-1"), "not UTF-8 text"),
    "empty": ("sales.csv", b"", "empty"),
    "wrong type": ("sales.xlsx", b"PK\x03\x04", "only CSV, TSV and Parquet"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_file_is_refused_by_name_with_the_reason(case, sample_db_path, parquet_bytes):
    name, data, reason = BAD_FILES[case]
    data = parquet_bytes[: len(parquet_bytes) // 2] if data is None else data
    uploads = data_dir() / "uploads"
    before = set(uploads.iterdir()) if uploads.exists() else set()
    with pytest.raises(UploadError) as refused:
        load_uploads([GOOD_CSV, (name, data)])
    assert str(refused.value).startswith(f"{name}: ") and reason in str(refused.value)
    assert "Monthly Sales.csv" not in str(refused.value)  # the good file is not blamed
    after = set(uploads.iterdir()) if uploads.exists() else set()
    assert after == before, "a refused upload left a database behind"


def test_a_parquet_file_corrupt_inside_is_refused(sample_db_path, parquet_bytes):
    middle = len(parquet_bytes) // 2
    corrupt = parquet_bytes[:8] + b"\xff" * (middle - 8) + parquet_bytes[middle:]
    with pytest.raises(UploadError, match="numbers.parquet: DuckDB could not read it as Parquet"):
        load_uploads([("numbers.parquet", corrupt)])


def test_a_file_over_the_limit_is_refused_before_loading(sample_db_path):
    big = b"a,b\n" + b"1,2\n" * 300_000  # 1.1 MB
    with pytest.raises(UploadError, match=r"big.csv: the file is 1.1 MB; the limit is 1 MB\."):
        load_uploads([("big.csv", big)], max_bytes=2**20)


def test_the_command_line_defaults_are_the_apps_upload_limit():
    config = (REPO_ROOT / ".streamlit" / "config.toml").read_text()
    app_limit_mb = int(re.search(r"^maxUploadSize = (\d+)$", config, re.M).group(1))
    assert MAX_FILE_BYTES == rag_max_file_bytes == app_limit_mb * 2**20
