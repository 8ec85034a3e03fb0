"""Live fan-out inside one API process: live messages from the bus -> GraphQL subscriptions.

Every replica receives every live message (fanout exchange). Here they are deduplicated (a
replayed journal may publish one twice), put back in per-guild order within a short window
(two replicas may publish a guild's consecutive changes at nearly the same moment), and handed
to each subscriber's queue. The records an event points to are loaded once per event, not once
per subscriber.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from bus import Envelope

from .services.journal import LIVE_JOIN, LIVE_JOINS, LIVE_QUEUE

log = logging.getLogger(__name__)
SUBSCRIBER_BUFFER = 1000
RECENT_KEYS = 512
_ENDED = object()  # put in a subscriber's queue when its subscription's time is up


class LiveEvent:
    """One live message plus its records, loaded at most once whoever asks."""

    def __init__(self, envelope: Envelope, load: Callable[[Envelope], Awaitable[Any]]):
        self.envelope = envelope
        self._load = load
        self._loaded: asyncio.Future | None = None
        self._shared: dict[str, Any] = {}

    async def records(self) -> Any:
        if self._loaded is None:
            self._loaded = asyncio.ensure_future(self._load(self.envelope))
        elif self._loaded.done():  # most subscribers come after the load: no shield to build for them
            return self._loaded.result()
        return await asyncio.shield(self._loaded)

    async def shared(self, key: str, build: Callable[[Any], Any]) -> Any:
        """`build(records)`, made once per event and shared by every subscriber that asks (the
        GraphQL object of the event: only each subscriber's selection is then resolved per subscriber)."""
        if key in self._shared:
            return self._shared[key]
        records = await self.records()
        if key not in self._shared:  # subscribers await the records together: the first one back builds
            self._shared[key] = build(records)
        return self._shared[key]


class SubscriptionOverflow(Exception):
    """A subscriber fell too far behind; it is closed rather than slowing everyone down."""


class LiveHub:
    def __init__(self, load_records: Callable[[Envelope], Awaitable[Any]], reorder_window: float = 0.0):
        self._load = load_records
        self._window = reorder_window
        self._subscribers: dict[tuple[str, int], set[asyncio.Queue]] = defaultdict(set)
        self._recent: dict[int, OrderedDict] = defaultdict(OrderedDict)
        self._held: dict[int, list[tuple[tuple[int, int], Envelope]]] = defaultdict(list)
        self._flushers: dict[int, asyncio.TimerHandle] = {}

    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())

    async def receive(self, envelope: Envelope) -> None:
        """The bus's consume_live handler."""
        guild_id = int(envelope.guild_id)
        if envelope.type == LIVE_JOIN:
            self._deliver(("join", guild_id), envelope)
            return
        if envelope.type == LIVE_JOINS:
            # A run's joins in one message; subscribers get them one by one, as live.partner_join. The
            # message was validated on receipt, so each join's envelope is built without validating again.
            if ("join", guild_id) in self._subscribers:
                for i, join in enumerate(envelope.data["joins"]):
                    self._deliver(("join", guild_id), _one_join(envelope, i, join))
            return
        if envelope.type != LIVE_QUEUE:
            return
        payload = envelope.data.get("payload") or {}
        key = (int(payload.get("seq", 0)), int(payload.get("part", 0)))
        recent = self._recent[guild_id]
        if key in recent:
            return  # duplicate from a replayed journal
        recent[key] = None
        while len(recent) > RECENT_KEYS:
            recent.popitem(last=False)
        if self._window <= 0:
            self._deliver(("queue", guild_id), envelope)
            return
        self._held[guild_id].append((key, envelope))
        if guild_id not in self._flushers:
            loop = asyncio.get_running_loop()
            self._flushers[guild_id] = loop.call_later(self._window, self._flush, guild_id)

    def _flush(self, guild_id: int) -> None:
        self._flushers.pop(guild_id, None)
        for _, envelope in sorted(self._held.pop(guild_id, []), key=lambda pair: pair[0]):
            self._deliver(("queue", guild_id), envelope)

    def _deliver(self, topic: tuple[str, int], envelope: Envelope) -> None:
        subscribers = self._subscribers.get(topic)
        if not subscribers:
            return
        event = LiveEvent(envelope, self._load)
        for queue in list(subscribers):
            if queue.qsize() >= SUBSCRIBER_BUFFER:  # (the queue keeps one more place, for the end mark)
                subscribers.discard(queue)  # its reader drains what it has, then ends with an error
                log.warning("closing a slow %s subscription for guild %s", *topic)
            else:
                queue.put_nowait(event)

    @asynccontextmanager
    async def subscribe(
        self, kind: str, guild_id: int, until: float | None = None
    ) -> AsyncIterator[AsyncIterator[LiveEvent]]:
        """The guild's events of `kind`, in order. With `until` (a time of the event loop's clock), the
        events end then, even while none is coming: one timer per subscription, nothing per event."""
        queue: asyncio.Queue = asyncio.Queue(SUBSCRIBER_BUFFER + 1)  # + 1: room for the end mark
        topic = (kind, guild_id)
        self._subscribers[topic].add(queue)
        timer = None if until is None else asyncio.get_running_loop().call_at(until, queue.put_nowait, _ENDED)

        async def events() -> AsyncIterator[LiveEvent]:
            while True:
                if topic not in self._subscribers or queue not in self._subscribers[topic]:
                    if queue.empty():
                        raise SubscriptionOverflow("The subscription fell behind and was closed; subscribe again.")
                event = await queue.get()
                if event is _ENDED:
                    return
                yield event

        try:
            yield events()
        finally:
            if timer is not None:
                timer.cancel()
            self._subscribers[topic].discard(queue)
            if not self._subscribers[topic]:
                del self._subscribers[topic]


def _one_join(batch: Envelope, index: int, join: dict) -> Envelope:
    # A stable id per join (the batch's id with the index in its last digits) keeps a redelivered
    # batch's joins recognisable as the same ones.
    return Envelope.model_construct(
        id=f"{batch.id[:-8]}{index:08x}",
        type=LIVE_JOIN,
        version=1,
        guild_id=batch.guild_id,
        occurred_at=batch.occurred_at,
        data=join,
    )
