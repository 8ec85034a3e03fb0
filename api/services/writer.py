"""Runs every change to a guild's ledger: decide (pure), commit (one atomic write), finish the journal.

`GuildWriter.run(guild_id, decide)` loads the ledger, calls `decide(ledger, now)` — which
returns the new ledger and the journal entries it owes (record changes and outgoing messages,
see `journal.py`), or raises a `RuleViolation` — and commits with compare-and-set. A lost race is retried on fresh state, so concurrent approvals, submissions
and blacklistings see each other exactly. Within one process a per-guild lock keeps racers from
spinning; across replicas the compare-and-set is what holds the rules.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from bus import Envelope

from ..clock import utcnow
from ..domain.ledger import Ledger
from ..store.ledgers import LedgerRepository
from ..store.projector import DB_OPS, Projector
from .journal import JournalEntry, Outgoing

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")
MAX_ATTEMPTS = 64


@dataclass
class Change(Generic[T]):
    ledger: Ledger | None  # None: nothing to commit
    items: list[JournalEntry] = field(default_factory=list)
    result: T | None = None


async def _nothing() -> None:
    return None


class ConcurrentUpdateError(RuntimeError):
    """The ledger kept changing under us (should not happen outside pathological contention)."""


class GuildWriter:
    def __init__(
        self,
        ledgers: LedgerRepository,
        projector: Projector,
        bus: Any,
        shard_count: int,
        publish_timeout: float = 2.0,
    ):
        # A mutation does not wait out a broker outage: after `publish_timeout` its commands stay in
        # the journal and the relay sends them when the broker is back.
        self._publish_timeout = publish_timeout
        self._ledgers = ledgers
        self._projector = projector
        self._bus = bus
        self._shard_count = shard_count
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, guild_id: int) -> asyncio.Lock:
        lock = self._locks.get(guild_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[guild_id] = lock
        return lock

    async def run(self, guild_id: int, decide: Callable[[Ledger, datetime], Change[T]]) -> Change[T]:
        return await self.run_reading(guild_id, _nothing, lambda ledger, now, _: decide(ledger, now))

    async def run_reading(
        self,
        guild_id: int,
        read: Callable[[], Awaitable[R]],
        decide: Callable[[Ledger, datetime, R], Change[T]],
    ) -> Change[T]:
        """`run` for a decision that also rests on records the ledger does not hold (a partnership's
        problems): `read()` runs inside the guild's lock on every attempt, after the ledger is loaded
        and any unfinished journal applied, and `decide` gets what it read. So the decision sees those
        records as they are when it commits, not as they were before the lock was taken."""
        async with self._lock(guild_id):
            for attempt in range(MAX_ATTEMPTS):
                ledger, todo = await self._ledgers.load(guild_id)
                leftover = await self._finish(guild_id, todo) if todo else []
                change = decide(ledger, utcnow(), await read())
                if change.ledger is None:
                    return change
                items = [self._encode(entry) for entry in change.items]
                if await self._ledgers.commit(ledger, change.ledger, items):
                    await self._finish(guild_id, leftover + items)
                    return change
                # Another replica committed first: back off a little and decide again on its state.
                await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise ConcurrentUpdateError(f"guild {guild_id}: gave up after {MAX_ATTEMPTS} attempts")

    def _encode(self, entry: JournalEntry) -> dict[str, Any]:
        """A journal entry as the plain dict stored in the guild document (BSON-serialisable)."""
        if isinstance(entry, Outgoing):
            return {"id": uuid.uuid4().hex, "op": entry.op, "envelope": entry.envelope.model_dump(mode="json")}
        return self._projector.encode(entry)

    async def load(self, guild_id: int) -> Ledger:
        """The current ledger: a plain read. The ledger is always exact on its own (it is what the
        commit writes); only the records the journal derives from it may lag (see `settle`)."""
        ledger, _ = await self._ledgers.load(guild_id)
        return ledger

    async def settle(self, guild_id: int) -> Ledger:
        """The current ledger, with any journal a crash left unfinished finished first, for a caller
        about to read the derived records and act on what it finds (e.g. is this event recorded)."""
        ledger, todo = await self._ledgers.load(guild_id)
        if todo:
            async with self._lock(guild_id):
                await self._finish(guild_id, todo)
        return ledger

    async def finish_guild(self, guild_id: int) -> int:
        """Used by the journal relay. Returns how many items are still waiting (e.g. broker down)."""
        async with self._lock(guild_id):
            _, todo = await self._ledgers.load(guild_id)
            return len(await self._finish(guild_id, todo)) if todo else 0

    async def _finish(self, guild_id: int, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Applies database items, then publishes bus items in order; returns what is left."""
        db_items = [i for i in items if i["op"] in DB_OPS]
        for item in db_items:
            await self._projector.apply(item)
        await self._ledgers.done(guild_id, [i["id"] for i in db_items])

        bus_items = [i for i in items if i["op"] not in DB_OPS]
        sent = 0
        for item in bus_items:
            try:
                async with asyncio.timeout(self._publish_timeout):
                    await self._publish(item)
            except Exception as exc:  # broker unavailable: keep this and the rest, in order
                log.warning("guild %s: %s kept for later (%s)", guild_id, item["op"], type(exc).__name__)
                break
            sent += 1
        await self._ledgers.done(guild_id, [i["id"] for i in bus_items[:sent]])
        return bus_items[sent:]

    async def _publish(self, item: dict[str, Any]) -> None:
        await self._send(Outgoing(item["op"], Envelope.model_validate(item["envelope"])))

    async def _send(self, message: Outgoing) -> None:
        if message.op == "command":
            await self._bus.publish_command(message.envelope, self._shard_count)
        elif message.op == "live":
            await self._bus.publish_live(message.envelope)
        else:
            raise ValueError(f"unknown journal op {message.op}")

    async def send_unjournaled(self, messages: list[Outgoing]) -> None:
        """Sends messages that belong to no ledger change, at once, outside any journal.

        The only callers are handlers of a cluster event whose answer changes no ledger: the reply
        to a refused submission, the removal of a non-manager's review reaction (or of a reaction
        whose decision was refused), the review post brought up to date when it lands after the
        decision, the settings re-sent after shard.ready, the contact role granted when a
        representative joins, and a representative's status or refused request (`representatives.py`). Each message is derived from the event and from state the event does
        not change, and the bus acks the event only after its handler returned, so a failure here
        propagates and the event's redelivery sends the message again: the event is their journal.
        Journaling them would cost a ledger commit (a version bump) for a change that changes nothing.
        """
        for message in messages:
            await self._send(message)
