"""Snowflake as a data source, through snowflake-connector-python: introspection from
INFORMATION_SCHEMA, a statement timeout, and rows fetched in batches up to a cap.

Credentials come from the environment (SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, ...) or from a mapping shaped
like st.secrets["connections"]["snowflake"], the same keys `st.connection("snowflake")` reads.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Mapping

from ..results import QueryResult
from ..schema import Column, Schema, Table, quote_sample
from .sandbox import DatabaseError, QueryTimeout, SandboxLimits

CONNECTION_KEYS = ("account", "user", "password", "authenticator", "private_key_file", "token", "role",
                   "warehouse", "database", "schema", "host", "port", "protocol")  # fmt: skip
SAMPLES_PER_COLUMN = 3


class SnowflakeSource:
    dialect = "snowflake"

    def __init__(
        self, connection, limits: SandboxLimits | None = None, name: str = "Snowflake", key: str = ""
    ):
        self.connection = connection
        self.limits = limits or SandboxLimits()
        self.name = name
        self.key = key or f"snowflake:{name}"
        self._schema: Schema | None = None

    @classmethod
    def connect(cls, params: Mapping[str, object], limits: SandboxLimits | None = None) -> SnowflakeSource:
        import snowflake.connector

        limits = limits or SandboxLimits()
        kwargs = {k: v for k, v in params.items() if k in CONNECTION_KEYS and v not in (None, "")}
        # The server stops any statement that runs past the limit, whoever sent it.
        kwargs["session_parameters"] = {"STATEMENT_TIMEOUT_IN_SECONDS": int(max(1, limits.timeout_s))}
        conn = snowflake.connector.connect(**kwargs)
        place = "/".join(str(params.get(k) or "").upper() for k in ("account", "database", "schema"))
        return cls(conn, limits, f"Snowflake {params.get('database') or ''}".strip(), f"snowflake:{place}")

    @classmethod
    def from_environment(cls, limits: SandboxLimits | None = None, secrets: Mapping | None = None):
        params = dict(secrets or {})
        for key in CONNECTION_KEYS:
            value = os.environ.get(f"SNOWFLAKE_{key.upper()}")
            if value and key not in params:
                params[key] = value
        if not params.get("account") and not params.get("host"):
            raise DatabaseError(
                "Snowflake is not configured: set SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER and a credential."
            )
        return cls.connect(params, limits)

    @property
    def schema(self) -> Schema:
        if self._schema is None:
            self._schema = self._introspect()
        return self._schema

    def _introspect(self) -> Schema:
        cur = self.connection.cursor()
        try:
            cur.execute(
                "SELECT table_name, comment FROM information_schema.tables "
                "WHERE table_schema = CURRENT_SCHEMA() ORDER BY table_name"
            )
            tables = [(r[0], r[1] or "") for r in cur.fetchall()]
            cur.execute(
                "SELECT table_name, column_name, data_type, comment FROM information_schema.columns "
                "WHERE table_schema = CURRENT_SCHEMA() ORDER BY table_name, ordinal_position"
            )
            columns = defaultdict(list)
            for table, column, dtype, comment in cur.fetchall():
                columns[table].append((column, dtype, comment or ""))
            result = []
            for table, comment in tables:
                cols = tuple(
                    Column(c, t, cm, self._samples(cur, table, c) if t.upper() in ("TEXT", "VARCHAR") else ())
                    for c, t, cm in columns[table]
                )
                result.append(Table(table, cols, comment, self._primary_key(cur, table)))
            return Schema("snowflake", tuple(result))
        finally:
            cur.close()

    def _samples(self, cur, table: str, column: str) -> tuple[str, ...]:
        try:
            cur.execute(
                f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL LIMIT {SAMPLES_PER_COLUMN}'
            )
            return tuple(quote_sample(r[0]) for r in cur.fetchall())
        except Exception:  # noqa: BLE001 - samples are optional; any failure means none
            return ()

    def _primary_key(self, cur, table: str) -> tuple[str, ...]:
        try:
            cur.execute(f'SHOW PRIMARY KEYS IN TABLE "{table}"')
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
            i, seq = names.index("column_name"), names.index("key_sequence")
            return tuple(r[i] for r in sorted(rows, key=lambda r: r[seq]))
        except Exception:  # noqa: BLE001 - not every account (or fake) answers SHOW PRIMARY KEYS
            return ()

    def run(self, sql: str, max_rows: int | None = None) -> QueryResult:
        import snowflake.connector.errors as sf_errors

        max_rows = self.limits.max_rows if max_rows is None else max_rows
        started = time.perf_counter()
        cur = self.connection.cursor()
        try:
            cur.execute(sql, timeout=int(max(1, self.limits.timeout_s)))
            columns = [d[0] for d in cur.description or []]
            types = [_type_name(d) for d in cur.description or []]
            rows: list[tuple] = []
            while len(rows) < max_rows:
                batch = cur.fetchmany(min(self.limits.batch_rows, max_rows - len(rows)))
                if not batch:
                    break
                rows.extend(tuple(r) for r in batch)
            first_page_s = time.perf_counter() - started
            more = 0
            while more < self.limits.count_rows_up_to:
                batch = cur.fetchmany(min(self.limits.batch_rows * 8, self.limits.count_rows_up_to - more))
                if not batch:
                    break
                more += len(batch)
            exact = more < self.limits.count_rows_up_to or not cur.fetchmany(1)
        except sf_errors.ProgrammingError as err:
            if "timeout" in str(err).lower() or getattr(err, "errno", None) in (604, 630):
                raise QueryTimeout(
                    f"The query ran longer than {self.limits.timeout_s:g} s and was stopped."
                ) from None
            raise DatabaseError(getattr(err, "msg", None) or str(err)) from None
        except sf_errors.Error as err:
            raise DatabaseError(getattr(err, "msg", None) or str(err)) from None
        finally:
            cur.close()
        return QueryResult(columns, types, rows, more, exact, first_page_s, time.perf_counter() - started)

    def close(self) -> None:
        self.connection.close()


# snowflake-connector type codes (FIELD_ID_TO_NAME) -> names our chart and answer rules understand
_TYPE_NAMES = {0: "NUMBER", 1: "REAL", 2: "TEXT", 3: "DATE", 4: "TIMESTAMP", 5: "VARIANT", 6: "TIMESTAMP",
               7: "TIMESTAMP", 8: "TIMESTAMP", 9: "OBJECT", 10: "ARRAY", 11: "BINARY", 12: "TIME", 13: "BOOLEAN"}  # fmt: skip


def _type_name(description) -> str:
    code = getattr(description, "type_code", None)
    if code is None and isinstance(description, tuple) and len(description) > 1:
        code = description[1]
    return _TYPE_NAMES.get(code, "TEXT")
