"""Document Q&A: ingest files into a DuckDB index, retrieve passages, answer with numbered citations.

Never imports streamlit. Entry points: `ingest.ingest_files`, `retrieval.search`,
`answer.answer_question`, `answer.chat_context` (the Chat page's "answer from my documents"),
`paths.store_path`, and the CLI `python -m rag ingest|search|ask|list|delete`.
"""
