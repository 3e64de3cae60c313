"""Shared fixtures for the document Q&A tests: the real offline embedder and fixture paths."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rag"


@pytest.fixture(scope="session")
def embedder():
    from backends.local_embeddings import get_embedder

    return get_embedder()


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
