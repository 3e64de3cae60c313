"""A read-only or full data folder: the document store can still be listed and searched, an ingest
or a delete is refused with the reason and changes nothing, and writing works again once the folder
recovers. The folder is a real small file system (the small_disk fixture)."""

from __future__ import annotations

import re

import pytest

from rag.errors import StoreUnwritable
from rag.ingest import ingest_files
from rag.paths import store_path
from rag.retrieval import search
from rag.store import Store

GARDEN = b"# Tomatoes\n\nWater tomato plants deeply twice a week in summer.\n"
ROSES = b"# Roses\n\nPrune roses in late winter, just before new growth starts.\n"


def _contents(store: Store) -> list[tuple]:
    return [(d.file, d.content_hash, d.chunks) for d in store.documents()]


def _first_hit(store: Store, embedder, question: str) -> str:
    return search(store, embedder, question).hits[0].file


@pytest.fixture
def stored(small_disk, embedder):
    """One indexed document in the data folder; (store path, what is stored)."""
    path = store_path(small_disk.path, "local")
    with Store(path) as store:
        ingest_files(store, embedder, [("garden.md", GARDEN)])
        return path, _contents(store)


def _refused_writes(path, embedder, reason: str) -> None:
    with Store(path) as store:
        with pytest.raises(StoreUnwritable, match=reason):
            ingest_files(store, embedder, [("roses.md", ROSES)])
        with pytest.raises(StoreUnwritable, match=reason):
            store.delete_document("garden.md")


def test_a_read_only_folder_lists_and_searches_but_refuses_writes(small_disk, stored, embedder):
    path, kept = stored
    small_disk.read_only()

    reason = f"data folder {re.escape(str(path.parent))}: it is on a read-only file system"
    _refused_writes(path, embedder, reason)
    with Store(path) as store:
        assert _contents(store) == kept
        assert _first_hit(store, embedder, "how often to water tomatoes") == "garden.md"

    small_disk.writable()
    with Store(path) as store:
        assert [r.status for r in ingest_files(store, embedder, [("roses.md", ROSES)])] == ["added"]
        assert _contents(store)[0] == kept[0]
        assert _first_hit(store, embedder, "when to prune roses") == "roses.md"


def test_a_full_disk_refuses_the_ingest_and_keeps_the_store_whole(small_disk, stored, embedder):
    path, kept = stored
    small_disk.fill()

    _refused_writes(path, embedder, "the disk is full")
    with Store(path) as store:
        assert _contents(store) == kept
        assert _first_hit(store, embedder, "how often to water tomatoes") == "garden.md"

    small_disk.free()
    with Store(path) as store:
        assert [r.status for r in ingest_files(store, embedder, [("roses.md", ROSES)])] == ["added"]
        assert [d.file for d in store.documents()] == ["garden.md", "roses.md"]


@pytest.mark.parametrize("fault", ["read_only", "full"])
def test_a_store_not_created_yet_opens_empty_and_no_file_is_left(small_disk, embedder, fault):
    small_disk.read_only() if fault == "read_only" else small_disk.fill()
    with Store(store_path(small_disk.path, "local")) as store:
        assert store.documents() == []
        with pytest.raises(StoreUnwritable):
            ingest_files(store, embedder, [("roses.md", ROSES)])
    assert not store_path(small_disk.path, "local").exists()
