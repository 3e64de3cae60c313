"""Usage limits for a public demo: model calls per hour and tokens per day for each visitor,
tokens per answer, and optionally tokens per day for all visitors together.

Whoever deploys with their own API key sets them in secrets; they are enforced here, around the
backend, so Chat, Ask your data and Documents all draw on the same allowance. Usage is kept in
Floe's state database (the conversations' SQLite file, or the deployment's server database), so
neither a reload, a restart nor a second app server resets it. Each model call
reserves its worst case (prompt + max tokens) before it starts and is settled to the tokens it
really used when its stream ends; a call that never settles (a crash) keeps its reservation, so
the limit errs on the side of the person paying.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from backends import Backend, BackendError, ChatParams, Message, NotConfigured
from backends.data_folder import DataFolderUnwritable
from backends.wrapper import WrappedBackend

from .database import StateDatabase
from .schema import usage
from .store import open_database

HOUR_S, DAY_S = 3600.0, 86400.0

SETTINGS = {
    "messages_per_hour": "FLOE_LIMIT_MESSAGES_PER_HOUR",
    "tokens_per_day": "FLOE_LIMIT_TOKENS_PER_DAY",
    "max_tokens_per_answer": "FLOE_LIMIT_MAX_TOKENS_PER_ANSWER",
    "all_visitors_tokens_per_day": "FLOE_LIMIT_ALL_VISITORS_TOKENS_PER_DAY",
}


class LimitReached(BackendError):
    hint = "This public demo limits each visitor's use; the limit frees up over time."


@dataclass(frozen=True)
class UsageLimits:
    """None: no limit. Read from the deployment's settings only, never from what a visitor typed."""

    messages_per_hour: int | None = None
    tokens_per_day: int | None = None
    max_tokens_per_answer: int | None = None
    all_visitors_tokens_per_day: int | None = None

    @property
    def active(self) -> bool:
        return any(getattr(self, name) is not None for name in SETTINGS)

    @classmethod
    def from_config(cls, cfg: Mapping[str, object]) -> UsageLimits:
        """Raises NotConfigured for a value that is not a whole number >= 0: no calls until it is fixed."""
        values = {}
        for name, key in SETTINGS.items():
            raw = cfg.get(key, cfg.get(key.lower()))
            if raw is None or raw == "":
                continue
            try:
                values[name] = int(str(raw))
            except ValueError:
                values[name] = -1
            if values[name] < 0:
                raise NotConfigured(f"{key} must be a whole number of 0 or more (it is {raw!r}).")
        return cls(**values)


@dataclass(frozen=True)
class Allowance:
    """What a visitor may still use now; None where there is no limit."""

    messages_left: int | None
    tokens_left: int | None
    max_tokens_per_answer: int | None


def plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _wait_text(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return plural(minutes, "minute") if minutes < 90 else f"about {round(minutes / 60)} hours"


def _calls_and_tokens(conn: Connection, owner: str | None, since: float) -> tuple[int, int, float | None]:
    query = select(func.count(), func.coalesce(func.sum(usage.c.tokens), 0), func.min(usage.c.at))
    query = query.where(usage.c.at >= since)
    if owner:
        query = query.where(usage.c.owner == owner)
    calls, tokens, oldest = conn.execute(query).one()
    return calls, int(tokens), oldest


class UsageLedger:
    """Model calls and their tokens, per owner, in Floe's state database (beside the conversations).

    While the database cannot be written no call can be reserved, so every call is refused with
    DataFolderUnwritable (StoreUnreachable for a server database): the limits fail closed.
    """

    def __init__(self, where: StateDatabase | str | Path):
        self.db = open_database(where, timeout=30)

    def close(self) -> None:
        self.db.close()

    def allowance(self, owner: str, limits: UsageLimits, now: float | None = None) -> Allowance:
        now = time.time() if now is None else now
        with self.db.reading() as conn:
            calls = _calls_and_tokens(conn, owner, now - HOUR_S)[0]
            tokens = _calls_and_tokens(conn, owner, now - DAY_S)[1]
            everyone = _calls_and_tokens(conn, None, now - DAY_S)[1]
        left = [
            limit - used
            for limit, used in (
                (limits.tokens_per_day, tokens),
                (limits.all_visitors_tokens_per_day, everyone),
            )
            if limit is not None
        ]
        return Allowance(
            None if limits.messages_per_hour is None else max(0, limits.messages_per_hour - calls),
            max(0, min(left)) if left else None,
            limits.max_tokens_per_answer,
        )

    def admit(
        self, owner: str, limits: UsageLimits, prompt_tokens: int, max_tokens: int, now: float | None = None
    ) -> tuple[int, int]:
        """Reserve one model call for `owner`: returns (ticket, max tokens it may generate).

        Raises LimitReached, with when to try again, if a limit would be passed.
        """
        now = time.time() if now is None else now
        allowed = max_tokens
        if limits.max_tokens_per_answer is not None:
            allowed = min(allowed, limits.max_tokens_per_answer)
        if allowed < 1:
            raise LimitReached("This demo is not answering questions at the moment.")
        with self.db.writing() as db:
            self.db.serialize(db)  # check and reserve atomically, across processes and servers too
            db.execute(delete(usage).where(usage.c.at < now - DAY_S))
            if limits.messages_per_hour is not None:
                calls, _, oldest = _calls_and_tokens(db, owner, now - HOUR_S)
                if calls >= limits.messages_per_hour:
                    wait = (oldest or now) + HOUR_S - now
                    raise LimitReached(
                        f"You have reached this demo's limit of {plural(limits.messages_per_hour, 'message')}"
                        f" per hour. You can send another in {_wait_text(wait)}.",
                        retry_after=wait,
                    )
            for limit, who in (
                (limits.tokens_per_day, owner),
                (limits.all_visitors_tokens_per_day, None),
            ):
                if limit is None:
                    continue
                _, used, oldest = _calls_and_tokens(db, who, now - DAY_S)
                left = limit - used - prompt_tokens
                if left < 1:
                    wait = (oldest or now) + DAY_S - now
                    whose = "You have used" if who else "All visitors together have used"
                    raise LimitReached(
                        f"{whose} this demo's {limit:,} tokens for the day. "
                        f"More become available in {_wait_text(wait)}.",
                        retry_after=wait,
                    )
                allowed = min(allowed, left)
            ticket = db.execute(
                insert(usage).values(owner=owner, at=now, tokens=prompt_tokens + allowed)
            ).inserted_primary_key[0]
        return ticket, allowed

    def settle(self, ticket: int, tokens: int) -> None:
        """Replace a call's reservation with the tokens it used. If this fails, the reservation stays."""
        try:
            with self.db.writing() as db:
                db.execute(update(usage).where(usage.c.id == ticket).values(tokens=tokens))
        except (SQLAlchemyError, DataFolderUnwritable):
            pass


class LimitedBackend(WrappedBackend):
    """A backend whose chat calls count against one owner's limits; otherwise the same backend."""

    def __init__(self, backend: Backend, ledger: UsageLedger, owner: str, limits: UsageLimits):
        super().__init__(backend)
        self.ledger, self.owner, self.limits = ledger, owner, limits

    def chat(self, messages: Sequence[Message], params: ChatParams):
        prompt_tokens, _ = self.backend.count_tokens(messages)
        ticket, allowed = self.ledger.admit(self.owner, self.limits, prompt_tokens, params.max_tokens)
        try:
            stream = self.backend.chat(messages, replace(params, max_tokens=allowed))
        except BaseException:
            self.ledger.settle(ticket, 0)  # nothing was sent to the model
            raise
        stream.on_finish(
            lambda usage: self.ledger.settle(ticket, usage.prompt_tokens + usage.completion_tokens)
        )
        return stream
