"""The in-process twin of the RabbitMQ bus: the embedded default and the unit tests' bus.

Same interface and, where it makes sense, the same behaviour: bodies go through JSON both ways (so a
body the broker would dead-letter is dead-lettered here too), one guild's messages are handled in
order, a failing handler is retried delivery_limit times and then dead-lettered, commands wait in
their shard's queue until a consumer for that shard exists, and live notifications reach every
consume_live handler. What it cannot offer: durability (a restart loses everything) and other
processes. Dead letters are kept in .dead_letters for inspection instead of a queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from bus.base import BatchHandler, BusLifetime, BusStats, Handler
from bus.contracts.registry import Kind
from bus.dedup import RecentIds
from bus.delivery import backoff, decode, ensure_publishable, hand_live
from bus.envelope import Envelope
from bus.errors import MalformedMessage
from bus.ordering import KeyedSerialRunner
from bus.routing import shard_for
from bus.topology import EVENTS_QUEUE, command_queue_name

log = logging.getLogger(__name__)

_RETRY_CAP = 5.0


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    body: bytes
    reason: str  # "malformed: ..." or "delivery_limit"


@dataclass
class _Queue:
    """A work queue: holds bodies until a consumer exists, then gives each to one handler in turn
    (competing consumers, like several api replicas on partners.events.api)."""

    name: str
    kind: Kind
    backlog: deque[bytes] = field(default_factory=deque)
    handlers: list[Handler] = field(default_factory=list)
    turn: int = 0

    def next_handler(self) -> Handler:
        handler = self.handlers[self.turn % len(self.handlers)]
        self.turn += 1
        return handler


class MemoryBus(BusLifetime):
    def __init__(
        self,
        *,
        delivery_limit: int = 5,
        retry_delay: float = 0.05,
        dedup_size: int = 10_000,
        close_timeout: float = 10.0,
    ) -> None:
        self.stats = BusStats()
        self.dead_letters: list[DeadLetter] = []
        self._delivery_limit = delivery_limit
        self._retry_delay = retry_delay
        self._close_timeout = close_timeout
        self._recent = RecentIds(dedup_size)
        self._events = _Queue(EVENTS_QUEUE, Kind.EVENT)
        self._commands: dict[int, _Queue] = {}
        self._live_keys: list[tuple[str, Handler]] = []
        self._runner = KeyedSerialRunner("memory-bus")
        self._state = "new"

    async def start(self) -> None:
        if self._state == "closed":
            raise RuntimeError("bus is closed")
        self._state = "started"

    async def close(self) -> None:
        if self._state == "closed":
            return
        self._state = "closed"
        await self._finish_handlers()

    async def stop_consuming(self) -> None:
        """Graceful shutdown, first step: detach every consumer (later messages wait in their queue, as
        they would on the broker) and let the handlers already given a message finish (bounded)."""
        self._events.handlers.clear()
        for queue in self._commands.values():
            queue.handlers.clear()
        self._live_keys.clear()
        await self._finish_handlers()

    async def _finish_handlers(self) -> None:
        """Let the handlers already given a message finish, for up to close_timeout; cancel the rest."""
        try:
            async with asyncio.timeout(self._close_timeout):
                await self._runner.join()
        except TimeoutError:
            log.warning("memory bus: handlers still running after %ss, cancelling them", self._close_timeout)
            await self._runner.cancel()

    def health(self) -> dict[str, object]:
        """For readiness probes (the in-process bus is always reachable)."""
        consumers = len(self._events.handlers) + sum(len(q.handlers) for q in self._commands.values())
        return {
            "state": self._state,
            "connected": self._state == "started",
            "consumers": consumers + len(self._live_keys),
            "consuming_connected": True,
        }

    async def join(self) -> None:
        """Wait until every delivered message has been handled (tests and the embedded default)."""
        await self._runner.join()

    # publishing

    async def publish_event(self, env: Envelope) -> None:
        self._check_open()
        ensure_publishable(env, Kind.EVENT)
        self._put(self._events, env.to_json())
        self.stats.published += 1

    async def publish_command(self, env: Envelope, shard_count: int) -> int:
        self._check_open()
        ensure_publishable(env, Kind.COMMAND)
        shard = shard_for(env.guild_id, shard_count)
        self._put(self._command_queue(shard), env.to_json())
        self.stats.published += 1
        return shard

    async def publish_live(self, env: Envelope) -> None:
        self._check_open()
        ensure_publishable(env, Kind.LIVE)
        body = env.to_json()
        self.stats.published += 1
        for key, handler in self._live_keys:
            try:
                copy = decode(body, Kind.LIVE)
            except MalformedMessage as exc:
                log.warning("memory bus: dropping malformed live message: %s", exc.reason)
                return
            self._runner.submit(key, lambda h=handler, e=copy: hand_live(h, e, self.stats, log))

    # consuming

    async def consume_events(self, handler: Handler, batch: BatchHandler | None = None) -> None:
        # One event at a time here: in process there is no broker round trip for batches to save.
        self._check_open()
        self._attach(self._events, handler)

    async def consume_commands(self, shard_ids: Iterable[int], handler: Handler) -> None:
        self._check_open()
        for shard in shard_ids:
            queue = self._command_queue(shard)
            if queue.handlers:
                # One node owns a shard: a second consumer would be a wiring mistake, not scaling.
                log.debug("memory bus: shard %d already has a consumer", shard)
                continue
            self._attach(queue, handler)

    async def consume_live(self, handler: Handler) -> None:
        self._check_open()
        self._live_keys.append((f"live:{len(self._live_keys)}", handler))

    def deliver_raw(self, queue: str, body: bytes) -> None:
        """Deliver a raw body to a work queue (partners.events.api or partners.commands.shard.<n>) as
        if another program had published it; for tests of malformed input."""
        if queue == self._events.name:
            target = self._events
        else:
            prefix = command_queue_name(0)[:-1]
            if not queue.startswith(prefix) or not queue[len(prefix) :].isdigit():
                raise ValueError(f"no queue named {queue!r}")
            target = self._command_queue(int(queue[len(prefix) :]))
        self._put(target, body)

    # internals

    def _check_open(self) -> None:
        if self._state != "started":
            raise RuntimeError(f"bus is {self._state}: call start() first" if self._state == "new" else "bus is closed")

    def _command_queue(self, shard: int) -> _Queue:
        queue = self._commands.get(shard)
        if queue is None:
            queue = self._commands[shard] = _Queue(command_queue_name(shard), Kind.COMMAND)
        return queue

    def _attach(self, queue: _Queue, handler: Handler) -> None:
        queue.handlers.append(handler)
        while queue.backlog:
            self._dispatch(queue, queue.backlog.popleft())

    def _put(self, queue: _Queue, body: bytes) -> None:
        if queue.handlers:
            self._dispatch(queue, body)
        else:
            queue.backlog.append(body)

    def _dispatch(self, queue: _Queue, body: bytes) -> None:
        try:
            env = decode(body, queue.kind)
        except MalformedMessage as exc:
            log.warning("memory bus: dead-lettering malformed message from %s: %s", queue.name, exc.reason)
            self.stats.malformed += 1
            self.stats.dead_lettered += 1
            self.dead_letters.append(DeadLetter(queue.name, body, f"malformed: {exc.reason}"))
            return
        handler = queue.next_handler()
        self._runner.submit(env.guild_id, lambda: self._handle(queue, handler, env, body))

    async def _handle(self, queue: _Queue, handler: Handler, env: Envelope, body: bytes) -> None:
        if env.id in self._recent:
            self.stats.duplicates += 1
            return
        # delivery_limit counts redeliveries, as RabbitMQ's x-delivery-limit does: limit + 1 tries.
        tries = self._delivery_limit + 1
        for attempt in range(1, tries + 1):
            try:
                await handler(env)
            except MalformedMessage as exc:  # refused for good by the handler: no retry (as RabbitBus)
                log.error(
                    "memory bus: dead-lettering %s %s of guild %s: %s", env.type, env.id, env.guild_id, exc.reason
                )
                self.stats.malformed += 1
                self.stats.dead_lettered += 1
                self.dead_letters.append(DeadLetter(queue.name, body, f"malformed: {exc.reason}"))
                return
            except Exception:
                self.stats.failed += 1
                last = attempt == tries
                log.exception(
                    "memory bus: handler failed for %s %s of guild %s (attempt %d of %d)%s",
                    env.type,
                    env.id,
                    env.guild_id,
                    attempt,
                    tries,
                    ", dead-lettering it" if last else "",
                )
                if last:
                    self.stats.dead_lettered += 1
                    self.dead_letters.append(DeadLetter(queue.name, body, "delivery_limit"))
                    return
                await asyncio.sleep(backoff(self._retry_delay, attempt, _RETRY_CAP))
            else:
                self._recent.add(env.id)
                self.stats.consumed += 1
                return
