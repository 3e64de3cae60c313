"""STAND-INS for the Snowflake SQL side of Cortex: the two Cortex functions inside fakesnow, and a
Snowflake login endpoint that rejects the password.

fakesnow runs Snowflake SQL on DuckDB but has no `SNOWFLAKE.CORTEX` functions, and it turns a
Snowflake `CREATE FUNCTION ... AS '<sql>'` into a DuckDB macro that returns the *text* of the body,
so the functions are defined as DuckDB macros in fakesnow's `SNOWFLAKE` database (created through
Snowflake SQL) on its underlying DuckDB connection. Floe's SQL then runs unchanged.

What the stand-in functions do (their results are computed from what Floe sent, so a test can
tell that the arguments crossed the SQL boundary intact):

* `SNOWFLAKE.CORTEX.COMPLETE(model, messages, options)` returns the documented object
  `{"choices": [{"messages": <text>}], "model": ..., "usage": {...}}` where the text is
  "You said: " + the last message's content, `usage.prompt_tokens` is the number of messages
  received and `usage.completion_tokens` is the `max_tokens` option received.
* `SNOWFLAKE.CORTEX.EMBED_TEXT_768(model, text)` returns 768 floats derived from a hash of the
  text: the same text gives the same vector, different texts different ones.
"""

from __future__ import annotations

from .base import Recorded, StandInServer

COMPLETE_MACRO = """
CREATE OR REPLACE MACRO SNOWFLAKE.CORTEX.COMPLETE(model, prompt, options) AS
  json_object(
    'choices', json_array(json_object('messages', 'You said: ' || (prompt ->> '$[#-1].content'))),
    'created', 1735689600,
    'model', model,
    'usage', json_object(
      'prompt_tokens', json_array_length(prompt),
      'completion_tokens', CAST(options ->> '$.max_tokens' AS INTEGER)))
"""

# JSON text rather than FLOAT[768]: fakesnow's server cannot describe a DuckDB list column.
EMBED_MACRO = """
CREATE OR REPLACE MACRO SNOWFLAKE.CORTEX.EMBED_TEXT_768(model, txt) AS
  to_json(list_transform(range(768), i -> ((hash(txt || ':' || i::VARCHAR) % 2001)::INTEGER - 1000) / 1000.0))
"""


def install_cortex_functions(cursor, duck_conn) -> None:
    """Create SNOWFLAKE.CORTEX through Snowflake SQL (`cursor`), then the two functions on DuckDB."""
    cursor.execute("CREATE DATABASE IF NOT EXISTS SNOWFLAKE")
    cursor.execute("CREATE SCHEMA IF NOT EXISTS SNOWFLAKE.CORTEX")
    duck_conn.execute(COMPLETE_MACRO)
    duck_conn.execute(EMBED_MACRO)


class SnowflakeLoginStandIn(StandInServer):
    """Snowflake's login endpoint (`POST /session/v1/login-request`) refusing the credentials with
    code 390100, as Snowflake answers a wrong password. Only the login is spoken here."""

    def handle(self, h, req: Recorded) -> None:
        if req.method == "POST" and req.path.startswith("/session/v1/login-request"):
            return self.send_json(
                h,
                200,
                {
                    "data": {"nextAction": None, "authnMethod": "PASSWORD"},
                    "code": "390100",
                    "message": "Incorrect username or password was specified.",
                    "success": False,
                },
            )
        return self.send_json(h, 404, {"success": False, "code": "390404", "message": "Not found."})
