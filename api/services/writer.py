"""Runs every change to a guild's ledger: decide (pure), commit (one atomic write), finish the journal.

`GuildWriter.run(guild_id, decide)` loads the ledger, calls `decide(ledger, now)` — which
returns the new ledger and the journal items it owes, or raises a `RuleViolation` — and commits
with compare-and-set. A lost race is retried on fresh state, so concurrent approvals, submissions
and blacklistings see each other exactly. Within one process a per-guild lock keeps racers from
spinning; across replicas the compare-and-set is what holds the rules.
"""

from __future__ import annotations

import asyncio
import logging
import random
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from bus import Envelope

from ..domain.ledger import Ledger
from ..store.clock import utcnow
from ..store.journal import DB_OPS, JournalWriter
from ..store.ledgers import LedgerRepository

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_ATTEMPTS = 64


@dataclass
class Change(Generic[T]):
    ledger: Ledger | None  # None: nothing to commit
    items: list[dict[str, Any]] = field(default_factory=list)
    result: T | None = None


class ConcurrentUpdateError(RuntimeError):
    """The ledger kept changing under us (should not happen outside pathological contention)."""


class GuildWriter:
    def __init__(
        self,
        ledgers: LedgerRepository,
        journal: JournalWriter,
        bus: Any,
        shard_count: int,
        publish_timeout: float = 2.0,
    ):
        # A mutation does not wait out a broker outage: after `publish_timeout` its commands stay in
        # the journal and the relay sends them when the broker is back.
        self._publish_timeout = publish_timeout
        self._ledgers = ledgers
        self._journal = journal
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
        async with self._lock(guild_id):
            for attempt in range(MAX_ATTEMPTS):
                ledger, todo = await self._ledgers.load(guild_id)
                leftover = await self._finish(guild_id, todo) if todo else []
                change = decide(ledger, utcnow())
                if change.ledger is None:
                    return change
                if await self._ledgers.commit(ledger, change.ledger, change.items):
                    await self._finish(guild_id, leftover + change.items)
                    return change
                # Another replica committed first: back off a little and decide again on its state.
                await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise ConcurrentUpdateError(f"guild {guild_id}: gave up after {MAX_ATTEMPTS} attempts")

    async def load(self, guild_id: int) -> Ledger:
        """The current ledger, with any unfinished journal of it finished first."""
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
            await self._journal.apply(item)
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
        envelope = Envelope.model_validate(item["envelope"])
        if item["op"] == "command":
            await self._bus.publish_command(envelope, self._shard_count)
        elif item["op"] == "live":
            await self._bus.publish_live(envelope)
        else:
            raise ValueError(f"unknown journal op {item['op']}")

    async def publish_now(self, items: list[dict[str, Any]]) -> None:
        """Sends bus items that belong to no committed change (e.g. the reply to a refused
        submission). A failure propagates, so the event that caused it is retried."""
        for item in items:
            await self._publish(item)
