"""Floe's state in a server database: several servers see one truth, budgets are never spent twice,
upgrades keep stored data, and a database that cannot be used says so without its password.

Run against the throwaway PostgreSQL server of the `postgres` fixture and against SQLite files."""

from __future__ import annotations

import multiprocessing
import sqlite3
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from backends import NotConfigured
from conversations import ConversationStore, LimitReached, UsageLedger, UsageLimits
from conversations.database import (
    StateDatabase,
    StoreUnreachable,
    current_revision,
    database_url,
    migrate_to,
    newest_revision,
)
from sql_agent.analyses.store import AnalysisStore
from sql_agent.generation.agent_answer import AgentAnswer
from sql_agent.semantic.store import SemanticStore
from tests.conftest import free_port

BUDGET, PROMPT, ANSWER = 1_000, 10, 90  # each call reserves 100 tokens: ten fit in the budget
SERVERS = 6


def test_what_one_server_saves_the_other_shows(state_location):
    first, second = StateDatabase(str(state_location)), StateDatabase(str(state_location))
    chats = ConversationStore(first)
    cid = chats.create("user:ann@example.com", "Q3 plan")
    chats.append("user:ann@example.com", cid, "user", "What changed?")
    AnalysisStore(chats).add_turn(
        "user:ann@example.com",
        AnalysisStore(chats).create("user:ann@example.com"),
        AgentAnswer(question="How many orders?", summary="There are 42 orders."),
        "sample",
    )
    SemanticStore(first).save("user:ann@example.com", "sample", "name: shop\n")

    on_other = ConversationStore(second)
    assert [c.title for c in on_other.list("user:ann@example.com")] == ["Q3 plan"]
    assert [m.content for m in on_other.messages("user:ann@example.com", cid)] == ["What changed?"]
    [analysis] = AnalysisStore(on_other).list("user:ann@example.com")
    [turn] = AnalysisStore(on_other).turns("user:ann@example.com", analysis.id)
    assert turn.answer.summary == "There are 42 orders."
    assert SemanticStore(second).get("user:ann@example.com", "sample") == "name: shop\n"
    assert on_other.list("user:bob@example.com") == []


def _spend(location: str, attempts: int, start) -> list[int]:
    """One app server's visitors asking at once: the tokens each admitted call reserved."""
    ledger = UsageLedger(location)
    limits = UsageLimits(all_visitors_tokens_per_day=BUDGET)
    reserved = []
    start.wait()  # every server asks at the same moment
    for i in range(attempts):
        try:
            _, allowed = ledger.admit(f"visitor:{i}", limits, PROMPT, ANSWER)
            reserved.append(PROMPT + allowed)
        except LimitReached:
            pass
    return reserved


def test_concurrent_requests_on_several_servers_never_spend_past_the_budget(state_location):
    UsageLedger(str(state_location)).close()  # create the tables once, as the first server start does
    with multiprocessing.Manager() as manager, ProcessPoolExecutor(max_workers=SERVERS) as servers:
        start = manager.Barrier(SERVERS)
        runs = servers.map(_spend, [str(state_location)] * SERVERS, [6] * SERVERS, [start] * SERVERS)
        spent = [r for rs in runs for r in rs]
    assert sum(spent) == BUDGET, spent  # every token of the budget, and not one more
    assert len(spent) == BUDGET // (PROMPT + ANSWER)


def _old_conversation(location: str) -> None:
    """Write a chat as Floe did at schema 0001, before analyses gave conversations a kind."""
    engine = create_engine(location if "://" in location else f"sqlite:///{location}")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO conversations (id, owner, title, created, updated) VALUES ('c1', 'local', 'Old chat', 1, 2)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO messages (id, conversation_id, seq, role, content, created) "
                "VALUES ('m1', 'c1', 1, 'user', 'Still here?', 1)"
            )
        )
    engine.dispose()


def test_an_upgrade_keeps_what_the_previous_schema_stored(state_location):
    location = str(state_location)
    migrate_to(location if "://" in location else state_location, "0001")
    _old_conversation(location)

    store = ConversationStore(location)
    [old] = store.list("local")
    assert (old.title, old.kind) == ("Old chat", "chat")
    assert [m.content for m in store.messages("local", "c1")] == ["Still here?"]
    store.append("local", "c1", "assistant", "Yes.")
    assert current_revision(store.db.engine) == newest_revision()


def test_a_file_written_before_migrations_is_brought_under_them_with_its_data(tmp_path):
    path = tmp_path / "conversations.sqlite"
    with sqlite3.connect(path) as db:  # the tables as Floe created them before it used Alembic
        db.executescript(
            "CREATE TABLE conversations (id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL,"
            " created REAL NOT NULL, updated REAL NOT NULL, kind TEXT NOT NULL DEFAULT 'chat');"
            "CREATE TABLE usage (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, at REAL NOT NULL,"
            " tokens INTEGER NOT NULL);"
            "INSERT INTO conversations VALUES ('a1', 'local', 'Revenue by month', 1, 2, 'analysis');"
            "INSERT INTO usage (owner, at, tokens) VALUES ('visitor:a', 1e12, 500);"
        )
    store = ConversationStore(path)
    assert [c.title for c in store.list("local", kind="analysis")] == ["Revenue by month"]
    limits = UsageLimits(tokens_per_day=600)
    assert UsageLedger(path).allowance("visitor:a", limits, now=1e12 + 1).tokens_left == 100
    assert current_revision(store.db.engine) == newest_revision()


def _open_fresh(location: str) -> str:
    return StateDatabase(location).where


def test_servers_starting_together_on_a_new_database_migrate_it_once(postgres_url):
    with ProcessPoolExecutor(max_workers=3) as servers:
        assert len(list(servers.map(_open_fresh, [postgres_url] * 3))) == 3
    store = ConversationStore(postgres_url)
    store.create("local")
    assert len(store.list("local")) == 1


def test_wrong_credentials_say_so_without_the_password(postgres):
    url = postgres.url(password="hunter2-wrong")
    with pytest.raises(StoreUnreachable) as refused:
        StateDatabase(url)
    message = refused.value.user_message
    assert "FLOE_DATABASE_URL" in message and f"127.0.0.1:{postgres.port}" in message
    assert "the server refused the login of user 'floe' (check the user name and password)" in message
    assert "hunter2-wrong" not in message and postgres.password not in message


def test_a_server_that_is_not_there_gets_a_clear_message():
    url = f"postgresql://floe:s3cret-pw@127.0.0.1:{free_port()}/floe"
    with pytest.raises(StoreUnreachable) as refused:
        StateDatabase(database_url({"FLOE_DATABASE_URL": url}))
    assert (
        "Floe cannot use its database postgresql+psycopg://floe:***@127.0.0.1" in refused.value.user_message
    )
    assert "s3cret-pw" not in refused.value.user_message


def test_a_url_that_does_not_read_names_the_setting_not_the_password():
    with pytest.raises(NotConfigured) as refused:
        database_url({"FLOE_DATABASE_URL": "postgres ql://floe:s3cret-pw@db/floe"})
    assert "FLOE_DATABASE_URL is not a database URL" in refused.value.user_message
    assert "s3cret-pw" not in refused.value.user_message


def test_the_url_comes_from_the_setting_or_from_connections_floe_in_secrets():
    assert database_url({}) is None  # no setting: SQLite files in the data folder
    assert (
        database_url({"FLOE_DATABASE_URL": "postgresql://u:p@db:5432/floe"}).drivername
        == "postgresql+psycopg"
    )
    parts = {
        "dialect": "postgresql",
        "host": "db",
        "port": 5433,
        "database": "floe",
        "username": "u",
        "password": "p",
    }
    url = database_url({}, parts)
    assert (url.drivername, url.host, url.port, url.database, url.password) == (
        "postgresql+psycopg",
        "db",
        5433,
        "floe",
        "p",
    )
    assert database_url({}, {"url": "postgresql+psycopg://u:p@db/floe"}).host == "db"


def test_a_query_the_database_refuses_is_not_reported_as_the_database_being_away(postgres_url):
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from conversations.schema import conversations

    db = StateDatabase(postgres_url)
    row = {"id": "c1", "owner": "local", "title": "t", "created": 1.0, "updated": 1.0}
    with db.writing() as conn:
        conn.execute(insert(conversations).values(**row))
    with pytest.raises(IntegrityError), db.writing() as conn:  # a bug of Floe's, not an outage
        conn.execute(insert(conversations).values(**row))
