"""Document Q&A: ingest files into a DuckDB index, retrieve passages, answer with numbered citations.

Never imports streamlit; the Documents page and the Chat page call these functions.
"""
