"""Floe's SQL agent: questions in plain language to safe, validated SQL on DuckDB or Snowflake."""
