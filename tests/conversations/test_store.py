"""Conversations persist, stay with their owner, and export faithfully: in a SQLite file and in PostgreSQL."""

import json

from conversations import ConversationStore, to_json, to_markdown


def test_a_reopened_store_has_everything(state_location):
    path = state_location
    store = ConversationStore(path)
    cid = store.create("local", "Trip plan")
    store.append("local", cid, "user", "Where to?")
    mid = store.append("local", cid, "assistant", "Lisb", "stopped", {"backend": "local"})
    store.set_feedback("local", mid, 1, "good start")
    store.close()

    again = ConversationStore(path)
    [conv] = again.list("local")
    assert conv.title == "Trip plan"
    msgs = again.messages("local", cid)
    assert [(m.role, m.content, m.status) for m in msgs] == [
        ("user", "Where to?", "complete"),
        ("assistant", "Lisb", "stopped"),
    ]
    assert (msgs[1].feedback, msgs[1].feedback_comment, msgs[1].meta["backend"]) == (1, "good start", "local")


def test_one_owner_never_sees_or_changes_another_owners_conversations(state_location):
    store = ConversationStore(state_location)
    mine = store.create("visitor:a", "mine")
    store.append("visitor:a", mine, "user", "secret plans")
    assert store.list("visitor:b") == []
    assert store.messages("visitor:b", mine) == []
    store.delete("visitor:b", mine)
    store.rename("visitor:b", mine, "hijacked")
    store.clear("visitor:b", mine)
    assert store.get("visitor:a", mine).title == "mine"
    assert len(store.messages("visitor:a", mine)) == 1


def test_rename_clear_delete(state_location):
    store = ConversationStore(state_location)
    cid = store.create("local")
    store.append("local", cid, "user", "hi")
    store.rename("local", cid, "  Greetings  ")
    assert store.get("local", cid).title == "Greetings"
    store.clear("local", cid)
    assert store.messages("local", cid) == [] and store.get("local", cid) is not None
    store.delete("local", cid)
    assert store.list("local") == []


def test_exports_carry_the_whole_conversation(state_location):
    store = ConversationStore(state_location)
    cid = store.create("local", "Stats")
    store.append("local", cid, "user", "Mean of 2 and 4?")
    mid = store.append("local", cid, "assistant", "It is 3.", meta={"model": "m"})
    store.set_feedback("local", mid, 0, "too terse")
    conv, msgs = store.get("local", cid), store.messages("local", cid)
    md = to_markdown(conv, msgs)
    assert md.startswith("# Stats") and "Mean of 2 and 4?" in md and "It is 3." in md
    data = json.loads(to_json(conv, msgs))
    assert data["title"] == "Stats"
    assert data["messages"][1] == {
        "role": "assistant",
        "content": "It is 3.",
        "status": "complete",
        "meta": {"model": "m"},
        "feedback": 0,
        "feedback_comment": "too terse",
    }
