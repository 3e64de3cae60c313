"""Reads a DuckDB database's schema: tables, columns, types, comments, keys and sample text values."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import duckdb

from ..schema import Column, ForeignKey, Schema, Table, quote_sample

SAMPLES_PER_COLUMN = 3
MAX_SAMPLED_COLUMNS = 300  # one query each: on a 1,000-table schema, sampling every column takes minutes
TEXT_TYPES = ("VARCHAR", "TEXT", "STRING", "CHAR")


def introspect_duckdb(path: str | Path, samples: bool = True) -> Schema:
    with duckdb.connect(str(path), read_only=True) as conn:
        return introspect_connection(conn, samples=samples)


def introspect_connection(conn: duckdb.DuckDBPyConnection, samples: bool = True) -> Schema:
    tables = conn.sql(
        """
        SELECT schema_name, table_name, coalesce(comment, ''), estimated_size FROM duckdb_tables()
        WHERE database_name = current_database() AND NOT internal AND NOT temporary
        UNION ALL
        SELECT schema_name, view_name, coalesce(comment, ''), NULL FROM duckdb_views()
        WHERE database_name = current_database() AND NOT internal AND NOT temporary
        ORDER BY 1, 2
        """
    ).fetchall()
    columns: dict[tuple, list] = defaultdict(list)
    for schema, table, name, dtype, comment in conn.sql(
        """
        SELECT schema_name, table_name, column_name, data_type, coalesce(comment, '') FROM duckdb_columns()
        WHERE database_name = current_database() AND NOT internal
        ORDER BY schema_name, table_name, column_index
        """
    ).fetchall():
        columns[(schema, table)].append((name, dtype, comment))
    primary: dict[tuple, tuple] = {}
    foreign: dict[tuple, list] = defaultdict(list)
    for schema, table, kind, cols, ref_table, ref_cols in conn.sql(
        """
        SELECT schema_name, table_name, constraint_type, constraint_column_names, referenced_table,
               referenced_column_names
        FROM duckdb_constraints()
        WHERE database_name = current_database() AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')
        """
    ).fetchall():
        if kind == "PRIMARY KEY":
            primary[(schema, table)] = tuple(cols)
        else:
            foreign[(schema, table)].append(
                ForeignKey(tuple(cols), _display_name(schema, ref_table), tuple(ref_cols))
            )

    result = []
    budget = MAX_SAMPLED_COLUMNS if samples else 0
    for schema, table, comment, size in tables:
        name = _display_name(schema, table)
        cols = []
        for c, t, cm in columns[(schema, table)]:
            wanted = budget > 0 and _is_text(t)
            budget -= int(wanted)
            cols.append(Column(c, t, cm, _samples(conn, schema, table, c) if wanted else ()))
        cols = tuple(cols)
        result.append(
            Table(
                name, cols, comment, primary.get((schema, table), ()), tuple(foreign[(schema, table)]), size
            )
        )
    functions = frozenset(
        r[0].lower() for r in conn.sql("SELECT DISTINCT function_name FROM duckdb_functions()").fetchall()
    )
    return Schema("duckdb", tuple(result), functions)


def _display_name(schema: str, table: str) -> str:
    return table if schema == "main" else f"{schema}.{table}"


def _is_text(dtype: str) -> bool:
    return dtype.upper().startswith(TEXT_TYPES)


def _samples(conn, schema: str, table: str, column: str) -> tuple[str, ...]:
    ident = f'"{schema}"."{table}"'
    col = '"' + column.replace('"', '""') + '"'
    try:
        rows = conn.sql(
            f"SELECT DISTINCT {col} FROM {ident} WHERE {col} IS NOT NULL LIMIT {SAMPLES_PER_COLUMN}"
        ).fetchall()
    except duckdb.Error:
        return ()
    return tuple(quote_sample(r[0]) for r in rows)
