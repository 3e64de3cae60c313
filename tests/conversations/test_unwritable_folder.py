"""A read-only or full data folder: conversations stay readable, writes are refused with the reason,
nothing stored is lost, and writing works again once the folder recovers. The folder is a real
small file system (the small_disk fixture), so the failures are the kernel's own."""

from __future__ import annotations

import sqlite3

import pytest

from backends.data_folder import DataFolderUnwritable
from conversations import ConversationStore, UsageLedger, UsageLimits


def _stored(store: ConversationStore, cid: str) -> list[tuple]:
    return [(m.role, m.content, m.status, m.feedback) for m in store.messages("local", cid)]


def _chat(path) -> tuple[str, list[tuple]]:
    store = ConversationStore(path)
    cid = store.create("local", "Kept chat")
    store.append("local", cid, "user", "What is DuckDB?")
    mid = store.append("local", cid, "assistant", "An embedded analytical database.")
    store.set_feedback("local", mid, 1)
    kept = _stored(store, cid)
    store.close()
    return cid, kept


def _every_write(store: ConversationStore, cid: str) -> list:
    return [
        lambda: store.create("local"),
        lambda: store.append("local", cid, "user", "x" * 100_000),
        lambda: store.rename("local", cid, "Renamed"),
        lambda: store.clear("local", cid),
        lambda: store.delete("local", cid),
    ]


def _integrity(path) -> str:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def test_a_read_only_folder_shows_conversations_refuses_writes_and_recovers(small_disk):
    path = small_disk.path / "conversations.sqlite"
    cid, kept = _chat(path)
    small_disk.read_only()

    store = ConversationStore(path)
    assert [c.title for c in store.list("local")] == ["Kept chat"]
    assert _stored(store, cid) == kept
    for write in _every_write(store, cid):
        with pytest.raises(DataFolderUnwritable) as refused:
            write()
        assert (
            f"data folder {small_disk.path}: it is on a read-only file system" in refused.value.user_message
        )
    assert _stored(store, cid) == kept

    small_disk.writable()
    store.append("local", cid, "user", "And now?")  # the same store object writes again
    assert _stored(store, cid) == [*kept, ("user", "And now?", "complete", None)]
    store.close()
    assert _integrity(path) == "ok"


def test_a_disk_that_fills_up_while_open_refuses_the_write_and_loses_nothing(small_disk):
    path = small_disk.path / "conversations.sqlite"
    cid, kept = _chat(path)
    store = ConversationStore(path)
    small_disk.fill()

    for write in _every_write(store, cid):
        with pytest.raises(DataFolderUnwritable, match="the disk is full"):
            write()
    assert _stored(store, cid) == kept
    assert _stored(ConversationStore(path), cid) == kept  # a new session (another process) reads it too

    small_disk.free()
    store.append("local", cid, "user", "More room now")
    assert _stored(store, cid)[-1][:2] == ("user", "More room now")
    store.close()
    assert _integrity(path) == "ok"


def test_a_folder_with_nothing_stored_yet_opens_empty_and_refuses_writes(small_disk):
    small_disk.read_only()
    store = ConversationStore(small_disk.path / "conversations.sqlite")
    assert store.list("local") == []
    with pytest.raises(DataFolderUnwritable):
        store.create("local")


def test_usage_limits_fail_closed_while_the_folder_is_read_only(small_disk):
    path = small_disk.path / "conversations.sqlite"
    limits = UsageLimits(messages_per_hour=5)
    ledger = UsageLedger(path)
    ledger.admit("visitor:a", limits, prompt_tokens=10, max_tokens=10)
    ledger.close()
    small_disk.read_only()

    ledger = UsageLedger(path)
    assert ledger.allowance("visitor:a", limits).messages_left == 4  # what was used is still counted
    with pytest.raises(DataFolderUnwritable):  # no call can be counted, so none is made
        ledger.admit("visitor:a", limits, prompt_tokens=10, max_tokens=10)
