"""Running queries: sources (the sample database, DuckDB files, uploads, Snowflake), their schemas,
and the sandbox that runs checked SQL read-only, without file or network access, capped and timed."""

from .sample_db import ensure_sample_db
from .sandbox import DatabaseError, QueryTimeout, SandboxLimits
from .sources import DuckDBSource, Source, open_source
from .uploads import UploadError, load_uploads

__all__ = [
    "DatabaseError",
    "DuckDBSource",
    "QueryTimeout",
    "SandboxLimits",
    "Source",
    "UploadError",
    "ensure_sample_db",
    "load_uploads",
    "open_source",
]
