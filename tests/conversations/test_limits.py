"""Public-demo limits: counted per visitor (in SQLite and in PostgreSQL), enforced around the real backend."""

from __future__ import annotations

import pytest

from backends import ChatParams, Message, NotConfigured, create_backend, load_settings
from conversations import ChatTurn, ConversationStore, LimitedBackend, LimitReached, UsageLedger, UsageLimits

T0 = 1_800_000_000.0  # a fixed "now", so the hour and day windows can be crossed without waiting


@pytest.fixture()
def ledger_path(state_location):
    return state_location


@pytest.fixture()
def ledger(ledger_path):
    return UsageLedger(ledger_path)


@pytest.fixture(scope="module")
def local():
    return create_backend("local", load_settings({}))


def test_messages_per_hour_refuses_the_next_call_and_says_when_to_come_back(ledger):
    limits = UsageLimits(messages_per_hour=2)
    ledger.admit("visitor:a", limits, 10, 100, now=T0)
    ledger.admit("visitor:a", limits, 10, 100, now=T0 + 600)
    with pytest.raises(LimitReached) as refused:
        ledger.admit("visitor:a", limits, 10, 100, now=T0 + 1200)
    assert refused.value.user_message == (
        "You have reached this demo's limit of 2 messages per hour. You can send another in 40 minutes."
    )
    ledger.admit("visitor:b", limits, 10, 100, now=T0 + 1200)  # another visitor has their own count
    ledger.admit("visitor:a", limits, 10, 100, now=T0 + 3601)  # the first call has left the window


def test_tokens_per_day_caps_the_answer_to_what_is_left_then_refuses(ledger):
    limits = UsageLimits(tokens_per_day=150)
    ticket, allowed = ledger.admit("visitor:a", limits, 10, 100, now=T0)
    assert allowed == 100
    ledger.settle(ticket, 110)
    _, allowed = ledger.admit("visitor:a", limits, 10, 100, now=T0 + 1)
    assert allowed == 150 - 110 - 10  # the answer may only use what is left today
    with pytest.raises(LimitReached, match="You have used this demo's 150 tokens for the day"):
        ledger.admit("visitor:a", limits, 10, 100, now=T0 + 2)
    assert ledger.admit("visitor:a", limits, 10, 100, now=T0 + 86401)[1] == 100


def test_a_per_answer_cap_of_zero_refuses_instead_of_asking_for_an_empty_answer(ledger):
    with pytest.raises(LimitReached, match="not answering questions"):
        ledger.admit("visitor:a", UsageLimits(max_tokens_per_answer=0), 10, 100, now=T0)


def test_an_unsettled_call_keeps_its_worst_case_reservation(ledger):
    limits = UsageLimits(tokens_per_day=300)
    ledger.admit("visitor:a", limits, 20, 100, now=T0)  # never settled: the process died mid-answer
    assert ledger.allowance("visitor:a", limits, now=T0 + 1).tokens_left == 300 - 120


def test_all_visitors_together_share_one_daily_budget(ledger):
    limits = UsageLimits(all_visitors_tokens_per_day=200)
    for owner in ("visitor:a", "visitor:b"):
        ticket, _ = ledger.admit(owner, limits, 10, 100, now=T0)
        ledger.settle(ticket, 100)
    with pytest.raises(LimitReached, match="All visitors together have used this demo's 200 tokens"):
        ledger.admit("visitor:c", limits, 10, 100, now=T0 + 1)


def test_counts_survive_a_restart(ledger_path):
    limits = UsageLimits(messages_per_hour=1)
    UsageLedger(ledger_path).admit("visitor:a", limits, 10, 100, now=T0)
    with pytest.raises(LimitReached):
        UsageLedger(ledger_path).admit("visitor:a", limits, 10, 100, now=T0 + 5)


def test_limits_are_read_from_settings_and_bad_values_refuse_every_call():
    assert not UsageLimits.from_config({}).active
    limits = UsageLimits.from_config(
        {"FLOE_LIMIT_MESSAGES_PER_HOUR": "20", "floe_limit_max_tokens_per_answer": 256}
    )
    assert (limits.messages_per_hour, limits.max_tokens_per_answer, limits.tokens_per_day) == (20, 256, None)
    for bad in ("lots", "-5", "2.5"):
        with pytest.raises(NotConfigured, match="FLOE_LIMIT_TOKENS_PER_DAY must be a whole number"):
            UsageLimits.from_config({"FLOE_LIMIT_TOKENS_PER_DAY": bad})


def test_the_real_model_answers_within_the_per_answer_cap_and_the_ledger_holds_the_real_count(ledger, local):
    limits = UsageLimits(max_tokens_per_answer=8, tokens_per_day=10_000)
    backend = LimitedBackend(local, ledger, "visitor:a", limits)
    stream = backend.chat(
        [Message("user", "Count from one to fifty.")], ChatParams(temperature=0, max_tokens=400)
    )
    text = "".join(stream)
    assert text and stream.usage.completion_tokens <= 8
    used = stream.usage.prompt_tokens + stream.usage.completion_tokens
    assert ledger.allowance("visitor:a", limits).tokens_left == 10_000 - used


def test_a_chat_over_the_limit_is_kept_with_the_reason_and_nothing_is_generated(tmp_path, ledger, local):
    store = ConversationStore(tmp_path / "conversations.sqlite")
    backend = LimitedBackend(local, ledger, "visitor:a", UsageLimits(messages_per_hour=1))
    cid = store.create("visitor:a")
    for question in ("Say hi.", "Say hi again."):
        store.append("visitor:a", cid, "user", question)
        turn = ChatTurn(store, "visitor:a", cid, backend, "local", ChatParams(temperature=0, max_tokens=8))
        "".join(turn.stream())
    first, refused = store.messages("visitor:a", cid)[1], store.messages("visitor:a", cid)[3]
    assert first.status == "complete" and first.content
    assert (refused.status, refused.content) == ("error", "")
    assert refused.meta["error"].startswith("You have reached this demo's limit of 1 message per hour.")
    assert store.messages("visitor:a", cid)[2].content == "Say hi again.", "the question is kept"
