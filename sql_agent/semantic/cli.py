"""`python -m sql_agent semantic draft|check|show --db ...`: semantic models from the command line.

The saved models are the app's (`FLOE_DATA_DIR/semantic_models.sqlite`), for the owner "local" (the
one user of a local run) unless `--owner` names another, e.g. "user:ann@example.com".
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from backends.data_folder import DataFolderUnwritable
from conversations.database import open_state_database

from ..execution.sample_db import data_dir
from ..execution.sources import open_source
from .draft import describe_with_model, draft_semantic_model, to_yaml
from .model import parse_semantic_model
from .store import STORE_FILE, SemanticStore, model_for_source

EXIT_OK, EXIT_INVALID, EXIT_FAILED = 0, 4, 5
LOCAL_OWNER = "local"


def semantic_store() -> SemanticStore:
    return SemanticStore(open_state_database(os.environ, data_dir(), STORE_FILE))


def add_semantic_parser(sub) -> None:
    semantic = sub.add_parser("semantic", help="draft, check or show a source's semantic model (YAML)")
    actions = semantic.add_subparsers(dest="action", required=True)
    draft = actions.add_parser("draft", help="draft a model from the database's schema; print the YAML")
    draft.add_argument("--describe", action="store_true", help="ask the model for descriptions and synonyms")
    draft.add_argument("--backend", default="local", help="with --describe: the backend to ask")
    draft.add_argument("--save", action="store_true", help="save it as this source's model")
    check = actions.add_parser("check", help="check a YAML file against the database; list each problem")
    check.add_argument("file")
    check.add_argument("--save", action="store_true", help="if it has no problems, save it for this source")
    actions.add_parser("show", help="print the model this source uses (saved, bundled or a fresh draft)")
    for action in (draft, check, actions.choices["show"]):
        action.add_argument("--db", required=True, help="a DuckDB file, 'sample' or 'snowflake'")
        action.add_argument("--owner", default=LOCAL_OWNER, help="whose saved model (default: local)")
    semantic.set_defaults(handler=semantic_command)


def semantic_command(args) -> int:
    source = open_source(args.db)
    try:
        return {"draft": _draft, "check": _check, "show": _show}[args.action](args, source)
    except DataFolderUnwritable as err:
        print(err.user_message, file=sys.stderr)
        return EXIT_FAILED
    finally:
        source.close()


def _draft(args, source) -> int:
    model = draft_semantic_model(source.schema, source.name)
    if args.describe:
        from backends import BackendError, load_settings
        from backends.cli import create_for_terminal
        from backends.text_generator import TextGenerator

        try:
            generate = TextGenerator(create_for_terminal(args.backend, load_settings()))
            describe_with_model(model, generate, _progress)
        except BackendError as err:
            print(
                f"Backend error: {err.user_message} (the draft has no model-written descriptions)",
                file=sys.stderr,
            )
    text = to_yaml(model)
    if args.save:
        semantic_store().save(args.owner, source.key, text)
        print(f"Saved as the semantic model of {source.name}.", file=sys.stderr)
    sys.stdout.write(text)
    return EXIT_OK


def _check(args, source) -> int:
    text = Path(args.file).read_text(encoding="utf-8")
    model, problems = parse_semantic_model(text, source.schema)
    for problem in problems:
        print(f"{args.file}: {problem}")
    if model is None:
        return EXIT_INVALID
    print(
        f"{args.file}: ok: {len(model.table_descriptions)} tables, {len(model.relationships)} relationships, "
        f"{len(model.verified_queries)} verified queries"
    )
    if args.save:
        semantic_store().save(args.owner, source.key, text)
        print(f"Saved as the semantic model of {source.name}.", file=sys.stderr)
    return EXIT_OK


def _show(args, source) -> int:
    found = model_for_source(semantic_store(), args.owner, source)
    print(f"# {source.name}: {found.origin} semantic model", file=sys.stderr)
    for problem in found.problems:
        print(f"# {problem}", file=sys.stderr)
    sys.stdout.write(found.text)
    return EXIT_OK


def _progress(done: int, total: int) -> None:
    print(f"Describing table {done + 1} of {total}…", file=sys.stderr)
