"""Every session-state key the app uses, in one place."""

BACKEND = "floe_backend"  # chosen backend name
MODEL = "floe_model"  # model override ("" = backend default)
OVERRIDES = "floe_config_overrides"  # settings typed on the Settings page (this session only)
CONVERSATION = "floe_conversation_id"
PENDING_PROMPT = "floe_pending_prompt"  # a prompt submitted, to be answered on the next run
RETRY = "floe_retry"  # answer the last user message again
CHAT_TURN = "floe_chat_turn"  # the ChatTurn being answered; the next run waits until it is saved
UNSAVED_ANSWERS = "floe_unsaved_answers"  # answers the store refused (database away): saved when it can
UNSENT_PROMPT = "floe_unsent_prompt"  # a message typed while the database was away, shown back
VISITOR_ID = "floe_visitor_id"
TEMPERATURE = "floe_temperature"
TOP_P = "floe_top_p"
MAX_TOKENS = "floe_max_tokens"
SYSTEM_PROMPT = "floe_system_prompt"
USE_DOCUMENTS = "floe_use_documents"
SETTINGS_FORM_ROUND = "floe_settings_form_round"  # bumps after a save so secret inputs start empty

# Ask your data
SQL_SOURCE_KIND = "floe_sql_source_kind"
ANALYSIS = "floe_analysis_id"  # the saved analysis shown (None: a new one, saved on its first question)
SQL_PENDING = "floe_sql_pending"  # a question to answer on this run (from a button)
SQL_CLARIFY = "floe_sql_clarify"  # a question held until the person says which measure a word means
SQL_MEANING = "floe_sql_meaning"  # the (table, column) they chose; () to answer without choosing

# Documents
DOCS_ANSWER = "floe_documents_answer"
DOCS_RETRY = "floe_documents_retry"  # a question whose answer failed unexpectedly, asked again by Retry
DOCS_UPLOAD_ROUND = "floe_documents_upload_round"  # bumps after an upload so the uploader starts empty
DOCS_INGEST_REPORT = "floe_documents_ingest_report"
DOCS_MODE = "floe_documents_mode"
DOCS_TOP_K = "floe_documents_k"
