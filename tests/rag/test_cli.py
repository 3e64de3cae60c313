"""`python -m rag`: the exact JSON-lines contract and exit codes, run as a user would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pdf_helpers import make_pdf

from tests.conftest import TINY_MODEL

ROOT = Path(__file__).resolve().parents[2]


def rag(*args) -> tuple[int, list[dict], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "rag", *map(str, args)],
        cwd=ROOT,
        env={**os.environ, **TINY_MODEL},  # the tiny model: answers are extractive
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return proc.returncode, lines, proc.stderr


def test_cli_ingest_search_list_delete(tmp_path):
    store = tmp_path / "docs.duckdb"
    (tmp_path / "garden.md").write_text(
        "# Tomatoes\n\nWater tomato plants deeply twice a week in summer.\n\n# Roses\n\nPrune roses in late winter.\n",
        encoding="utf-8",
    )
    (tmp_path / "manual.pdf").write_bytes(
        make_pdf(["Intro page.", "Hold the power button for ten seconds to reset."])
    )
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")

    code, lines, _ = rag(
        "ingest", "--store", store, tmp_path / "garden.md", tmp_path / "manual.pdf", tmp_path / "photo.png"
    )
    assert code == 2
    assert [(r["file"], r["status"]) for r in lines] == [
        ("garden.md", "added"),
        ("manual.pdf", "added"),
        ("photo.png", "rejected"),
    ]
    assert set(lines[0]) == {"file", "status", "chunks", "reason"}
    assert lines[0]["chunks"] == 2 and lines[0]["reason"] is None
    assert "Unsupported" in lines[2]["reason"]

    code, lines, _ = rag("ingest", "--store", store, tmp_path / "garden.md")
    assert code == 0 and lines[0]["status"] == "unchanged"

    code, hits, _ = rag("search", "--store", store, "-k", "2", "how do I restart the device")
    assert code == 0 and len(hits) == 2
    assert set(hits[0]) == {"file", "page", "chunk_id", "score", "cosine", "title_match", "moved", "text"}
    assert (hits[0]["file"], hits[0]["page"]) == ("manual.pdf", 2)
    assert hits[0]["score"] >= hits[1]["score"]

    code, docs, _ = rag("list", "--store", store)
    assert code == 0 and [(d["file"], d["chunks"], d["pages"]) for d in docs] == [
        ("garden.md", 2, None),
        ("manual.pdf", 2, 2),
    ]

    code, lines, _ = rag("delete", "--store", store, "garden.md")
    assert code == 0 and lines == [{"file": "garden.md", "status": "deleted"}]
    code, lines, _ = rag("delete", "--store", store, "garden.md")
    assert code == 1 and lines[0]["status"] == "not_found"
    code, docs, _ = rag("list", "--store", store)
    assert [d["file"] for d in docs] == ["manual.pdf"]


def test_cli_search_on_a_missing_store_says_so(tmp_path):
    code, lines, err = rag("search", "--store", tmp_path / "nope.duckdb", "anything")
    assert code == 1 and lines == []
    assert "No document store" in err


def test_cli_ask_gives_a_cited_extractive_answer_with_the_embedded_model(tmp_path):
    store = tmp_path / "docs.duckdb"
    doc = tmp_path / "garden.md"
    doc.write_text("# Tomatoes\n\nWater tomato plants deeply twice a week in summer.\n", encoding="utf-8")
    assert rag("ingest", "--store", store, doc)[0] == 0
    code, lines, _ = rag(
        "ask", "--store", store, "--backend", "local", "How often should tomatoes be watered?"
    )
    assert code == 0 and len(lines) == 1
    answer = lines[0]
    assert answer["mode"] == "extractive" and "[1]" in answer["text"]
    cite = answer["citations"][0]
    assert (cite["n"], cite["file"]) == (1, "garden.md")
    assert cite["highlighted_text"] == "Water tomato plants deeply twice a week in summer."


def test_cli_ask_json_carries_whether_each_sentence_is_backed(tmp_path, replicate_backend):
    """The real Replicate provider against the protocol STAND-IN for Replicate's API (tests/conftest)."""
    from tests.backends.standins import Reply

    replicate_backend.script(
        Reply(tokens=("Water tomato plants twice a week [1].", " Add 30 grams of fertiliser each time [1]."))
    )
    store = tmp_path / "docs.duckdb"
    doc = tmp_path / "garden.md"
    doc.write_text("# Tomatoes\n\nWater tomato plants deeply twice a week in summer.\n", encoding="utf-8")
    assert rag("ingest", "--store", store, doc)[0] == 0
    code, lines, err = rag(
        "ask", "--json", "--store", store, "--backend", "replicate", "How do I care for tomatoes?"
    )
    assert code == 0, err
    sentences = lines[0]["sentences"]
    assert [(s["text"], s["supported"], s["cites"]) for s in sentences] == [
        ("Water tomato plants twice a week.", True, [1]),
        ("Add 30 grams of fertiliser each time.", False, []),
    ]
    assert lines[0]["text"] == "Water tomato plants twice a week [1]. Add 30 grams of fertiliser each time."
