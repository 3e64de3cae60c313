"""Running queries: sources (the sample database, DuckDB files, uploads, Snowflake), their schemas,
and the sandbox that runs checked SQL read-only, without file or network access, capped and timed.

The entry points load on first use: the query workers start as `python -m
sql_agent.execution.query_worker` and must not pay for (or import twice) what the app side needs.
"""

from importlib import import_module

_ENTRY_POINTS = {
    "DatabaseError": "sandbox",
    "QueryTimeout": "sandbox",
    "SandboxLimits": "sandbox",
    "DuckDBSource": "sources",
    "Source": "sources",
    "open_source": "sources",
    "UploadError": "uploads",
    "load_uploads": "uploads",
    "ensure_sample_db": "sample_db",
}
__all__ = sorted(_ENTRY_POINTS)


def __getattr__(name: str):
    if name not in _ENTRY_POINTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_ENTRY_POINTS[name]}", __name__), name)
