"""`python -m rag ingest|search|ask|list|delete`: the document index from the shell, as JSON lines.

Exit codes: 0 success; 1 an error (message on stderr); 2 `ingest` rejected at least one file.
"""

from __future__ import annotations

import argparse
import json
import sys

from backends import BackendError

from .errors import RagError


def _print(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str), flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rag", description="Index documents and ask them questions."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name, help_text):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--store", required=True, help="the DuckDB file of the index")
        return p

    p = command("ingest", "add or update files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--embedder", default="local", help="backend that embeds (default: offline MiniLM)")
    p = command("search", "print the best chunks for a query")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--mode", choices=("hybrid", "vector", "keyword"), default=None)
    p.add_argument("--embedder", default="local")
    p = command("ask", "answer a question with cited sources")
    p.add_argument("question")
    p.add_argument(
        "--backend", default=None, help="chat backend (default: FLOE_BACKEND or the first configured)"
    )
    p.add_argument("--embedder", default="local")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--json", action="store_true", help="(the answer is printed as JSON either way)")
    command("list", "list the indexed documents")
    p = command("delete", "remove a document")
    p.add_argument("file")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (RagError, BackendError) as exc:
        print(f"error: {getattr(exc, 'user_message', exc)}", file=sys.stderr)
        return 1


def _run(args) -> int:
    from .store import Store

    if args.command == "ingest":
        from .embedders import embedder_for
        from .ingest import ingest_files

        def progress(done: int, result) -> None:  # stderr, as each file is written; stdout keeps the order
            print(f"{done}/{len(args.files)} {result.file}: {result.status}", file=sys.stderr, flush=True)

        with Store(args.store) as store:
            files = [(f, None) for f in args.files]
            results = ingest_files(store, embedder_for(args.embedder), files, on_progress=progress)
        for r in results:
            _print(r.as_dict())
        return 2 if any(r.status == "rejected" for r in results) else 0

    if args.command == "list":
        with Store(args.store, read_only=True) as store:
            for d in store.documents():
                _print({"file": d.file, "kind": d.kind, "chunks": d.chunks, "pages": d.pages,
                        "size_bytes": d.size_bytes, "added_at": d.added_at.isoformat(timespec="seconds")})  # fmt: skip
        return 0

    if args.command == "delete":
        with Store(args.store) as store:
            found = store.delete_document(args.file)
        _print({"file": args.file, "status": "deleted" if found else "not_found"})
        return 0 if found else 1

    from .embedders import embedder_for
    from .retrieval import DEFAULT_MODE, search

    if args.command == "search":
        with Store(args.store, read_only=True) as store:
            result = search(
                store, embedder_for(args.embedder), args.query, k=args.k, mode=args.mode or DEFAULT_MODE
            )
        for rank, h in enumerate(result.hits, start=1):
            _print(
                {
                    "file": h.file,
                    "page": h.page,
                    "chunk_id": h.chunk_id,
                    "score": round(h.score, 6),
                    "cosine": None if h.vector_score is None else round(h.vector_score, 6),
                    "title_match": None if h.title_score is None else round(h.title_score, 3),
                    "moved": h.moved(rank) if result.mode == "hybrid" else None,
                    "text": h.text,
                }
            )
        return 0

    from backends import default_backend_name, load_settings
    from backends.local import prepare_for_terminal

    from .answer import answer_question

    settings = load_settings()
    if (args.backend or default_backend_name(settings)) == "local":
        try:
            prepare_for_terminal(settings.local)
        except BackendError:
            pass  # answer_question falls back to an extractive answer and says why
    with Store(args.store, read_only=True) as store:
        answer = answer_question(
            store, embedder_for(args.embedder), args.question, backend_name=args.backend, k=args.k,
            settings=settings,
        )  # fmt: skip
    _print(answer.as_dict())
    return 0
