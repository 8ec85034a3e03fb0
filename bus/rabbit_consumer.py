"""Consuming from RabbitMQ: manual acks after the handler, per-guild order, dead-lettering.

Each delivery is decoded and validated at once, in delivery order, then queued behind the earlier
messages of its guild (bus.ordering). Outcomes:

- malformed body (bad JSON, unknown type or version, bad fields): reject(requeue=False), which sends
  it straight to partners.dlq; retrying cannot fix it, and the consumer goes on with the next one;
- duplicate of a recently handled id: ack without calling the handler;
- handler returned: ack (so the work is stored before the broker forgets the message);
- handler raised: nack(requeue=True) after a short backoff. The quorum queue counts deliveries and
  dead-letters the message after delivery_limit redeliveries. The retry comes back after the guild's
  later messages already delivered, so order holds for messages handled on their first try.

Prefetch bounds how many unacked messages (and so queued handler jobs) a consumer holds per queue.

Events can instead be taken in batches (consume_events with a batch handler), which is what makes
the join pipeline cheap: one handler call, a few database writes and one ack for many events.

- Deliveries are decoded at once (malformed ones rejected as above) and appended to one pending list;
  a single drain job (on the serial runner, so shutdown waits for it) takes everything pending, up
  to max_batch, whenever the previous batch is done. While the stream is busy it first waits
  `batch_linger` (a few ms) for more (bus/batch_linger.py); after a quiet spell a batch is the one
  event that came, so latency stays that of a single event; under load batches grow by themselves.
- The batch handler gets the batch in delivery order and keeps each guild's order itself; it answers
  one outcome per event (None = stored, an exception = retry that one).
- Batches run one after another on a channel of their own, so when one is settled every delivery on
  that channel with a lower tag is settled already: the successes are acked with ONE
  ack(multiple=True) on the last of them. Failures are nacked individually (after the usual backoff,
  in the background); while any of those waits, acks are sent one by one instead, since a multiple
  ack would also acknowledge the waiting failure.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from functools import partial
from typing import Any

from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue, AbstractRobustConnection
from aiormq.exceptions import AMQPError

from bus.base import BatchHandler, Handler
from bus.batch_linger import linger_before_batch
from bus.contracts.registry import Kind
from bus.dedup import RecentIds
from bus.delivery import backoff, decode, hand_live
from bus.envelope import Envelope
from bus.errors import MalformedMessage
from bus.logs import message_context
from bus.ordering import KeyedSerialRunner
from bus.rabbit_connection import BrokerLink
from bus.topology import (
    LIVE_EXCHANGE,
    command_queue_name,
    declare_command_queues,
    declare_events_queues,
    live_queue_name,
)

log = logging.getLogger(__name__)

_RETRY_CAP = 5.0
# How long a consumer waits before consuming the partitions it did not take at once (see _spread).
STANDBY_DELAY = 1.0
# An ack is a few bytes on the socket; far longer means the connection is dead without saying so.
_SETTLE_TIMEOUT = 5.0


class RabbitConsumer:
    def __init__(
        self, link: BrokerLink, *, prefetch: int, retry_delay: float, dedup_size: int, batch_linger: float = 0.0
    ) -> None:
        self._link = link
        self._stats = link.stats
        self._prefetch = prefetch
        self._delivery_limit = link.delivery_limit
        self._retry_delay = retry_delay
        self._name = link.name
        self._recent = RecentIds(dedup_size)
        self._runner = KeyedSerialRunner("rabbit-bus")
        self._connection: AbstractRobustConnection | None = None
        self._work: AbstractChannel | None = None
        self._live: AbstractChannel | None = None
        self._consumers: dict[str, tuple[AbstractQueue, str]] = {}
        self._lock = asyncio.Lock()
        self._stopped = False  # close() began: no new consumers (e.g. a shard getting ready while draining)
        self._batch_channel: AbstractChannel | None = None
        self._pending: list[tuple[AbstractIncomingMessage, Envelope]] = []  # decoded, waiting for a batch
        self._drain_scheduled = False
        self._failing = 0  # failed deliveries waiting for their nack: no multiple acks meanwhile
        self.max_batch = max(1, prefetch)
        self.batch_linger = batch_linger
        self._last_delivery = float("-inf")
        self._last_gap = float("inf")  # seconds between the last two batched deliveries
        self._retries: set[asyncio.Task[None]] = set()

    async def _channel(self, live: bool) -> AbstractChannel:
        # The consumer has its own connection: when the broker throttles publishers (flow control),
        # acks on this connection still flow.
        if self._connection is None:
            self._connection = await self._link.connect("consume")
        attr = "_live" if live else "_work"
        channel = getattr(self, attr)
        if channel is None:
            channel = await self._connection.channel(publisher_confirms=False)
            await channel.set_qos(prefetch_count=self._prefetch)
            setattr(self, attr, channel)
        return channel

    @property
    def consumer_count(self) -> int:
        return len(self._consumers)

    @property
    def connected(self) -> bool:
        """The consuming connection is up (False while it reconnects, or before any consumer)."""
        return self._connection is not None and self._connection.connected.is_set()

    async def consume_events(self, handler: Handler, batch: BatchHandler | None = None) -> None:
        async with self._lock:
            if self._refuse("events"):
                return
            # Every events queue: the unpartitioned one and each partition (bus/topology.py). Each call
            # adds a consumer to each: several in one process compete like several replicas do; on a
            # partition queue the broker delivers to one of them and keeps the others on standby.
            if batch is not None:
                channel = await self._batches_channel()
                callback = partial(self._on_batched, batch, "partners.events")
            else:
                channel = await self._channel(live=False)
                callback = partial(self._on_work, Kind.EVENT, handler, "partners.events")
            unpartitioned, *partitions = await declare_events_queues(channel, self._delivery_limit)
            await self._subscribe([unpartitioned], callback)
            now, later = _spread(partitions)
            await self._subscribe(now, callback)
            if later:
                task = asyncio.create_task(self._subscribe_later(later, callback), name="rabbit-bus:standby")
                self._retries.add(task)
                task.add_done_callback(self._retries.discard)

    async def _subscribe(self, queues: list[AbstractQueue], callback) -> None:
        for queue in queues:
            tag = await queue.consume(callback)
            self._consumers[f"events:{tag}"] = (queue, tag)

    async def _subscribe_later(self, queues: list[AbstractQueue], callback) -> None:
        """Standby consumers, added after STANDBY_DELAY. The connection may be down just then (a
        broker outage): a partition whose consumer could not be added is tried again until it is,
        or it would never be consumed by this replica, and by no one when it is the only one."""
        pending = list(queues)
        while pending:
            await asyncio.sleep(STANDBY_DELAY)
            async with self._lock:
                if self._stopped:
                    return
                for queue in list(pending):
                    try:
                        await self._subscribe([queue], callback)
                    except Exception as exc:  # reconnecting: the robust channel comes back, try again
                        log.warning("standby consumer of %s not added yet (%s); retrying", queue.name, exc)
                        break
                    pending.remove(queue)

    async def _batches_channel(self) -> AbstractChannel:
        # Its own channel: delivery tags count per channel, and a multiple ack must only ever cover
        # deliveries of the batches (never, say, a command delivered on the work channel).
        await self._channel(live=False)  # the connection
        if self._batch_channel is None:
            assert self._connection is not None
            self._batch_channel = await self._connection.channel(publisher_confirms=False)
            await self._batch_channel.set_qos(prefetch_count=self._prefetch)
        return self._batch_channel

    async def consume_commands(self, shard_ids: list[int], handler: Handler) -> None:
        async with self._lock:
            if self._refuse(f"shards {shard_ids}"):
                return
            todo = [s for s in shard_ids if f"shard:{s}" not in self._consumers]
            if not todo:
                return
            channel = await self._channel(live=False)
            queues = await declare_command_queues(channel, todo, self._delivery_limit)
            for shard, queue in queues.items():
                tag = await queue.consume(partial(self._on_work, Kind.COMMAND, handler, command_queue_name(shard)))
                self._consumers[f"shard:{shard}"] = (queue, tag)

    async def consume_live(self, handler: Handler) -> None:
        async with self._lock:
            if self._refuse("live"):
                return
            channel = await self._channel(live=True)
            # Exclusive + auto-delete: the queue lives and dies with this replica's connection.
            queue = await channel.declare_queue(live_queue_name(self._name), exclusive=True, auto_delete=True)
            await queue.bind(LIVE_EXCHANGE, routing_key="")
            key = f"live:{queue.name}"
            tag = await queue.consume(partial(self._on_live, key, handler))
            self._consumers[key] = (queue, tag)

    def _refuse(self, what: str) -> bool:
        if self._stopped:
            log.info("not consuming %s: the bus is shutting down", what)
        return self._stopped

    async def close(self, grace: float) -> None:
        # Stop deliveries first, then let the handlers already running finish and ack; the messages
        # prefetched but not started are dropped here, unacked, and like anything else still unacked
        # when the connection closes they go back to their queue (redelivered to another consumer).
        # Idempotent: a second call finds nothing left to do.
        self._stopped = True
        for queue, tag in list(self._consumers.values()):
            try:
                await queue.cancel(tag)
            except Exception as exc:
                log.debug("cancel of consumer %s failed: %r", tag, exc)
        self._consumers.clear()
        dropped = self._runner.drop_waiting() + len(self._pending)
        self._pending.clear()
        if dropped:
            log.info("rabbit bus: %d prefetched messages left unacked for redelivery", dropped)
        try:
            async with asyncio.timeout(grace):
                await self._runner.join()
        except TimeoutError:
            log.warning("rabbit bus: handlers still running after %ss, cancelling them", grace)
            await self._runner.cancel()
        if self._connection is not None:
            await self._connection.close()

    # deliveries

    async def _on_work(self, kind: Kind, handler: Handler, queue: str, message: AbstractIncomingMessage) -> None:
        # No await before submit(): aio-pika starts one callback task per delivery, in delivery
        # order, and this synchronous stretch is what keeps that order into the guild's queue.
        try:
            env = decode(message.body, kind)
        except MalformedMessage as exc:
            await self._dead_letter_malformed(message, queue, exc)
            return
        self._runner.submit(env.guild_id, partial(self._handle, handler, queue, message, env))

    async def _handle(self, handler: Handler, queue: str, message: AbstractIncomingMessage, env: Envelope) -> None:
        with message_context(env):  # every log line about this message carries its guild and id
            await self._handle_in_context(handler, queue, message, env)

    async def _handle_in_context(
        self, handler: Handler, queue: str, message: AbstractIncomingMessage, env: Envelope
    ) -> None:
        if env.id in self._recent:
            self._stats.duplicates += 1
            await _settle(message.ack(), message, "ack")
            return
        attempt = _delivery_count(message) + 1
        try:
            await handler(env)
        except MalformedMessage as exc:
            # The handler found the message unusable for good (e.g. `Refused`: it names another
            # guild's record): no retry can change that, so it goes to the DLQ at once.
            self._stats.malformed += 1
            self._stats.dead_lettered += 1
            log.error("dead-lettering %s %s of guild %s from %s: %s", env.type, env.id, env.guild_id, queue, exc.reason)
            await _settle(message.reject(requeue=False), message, "reject")
            return
        except Exception as exc:
            if not self._note_failure(queue, env, attempt, exc, traceback=True):
                # A short pause before the redelivery, so a brief outage of the handler's own
                # dependencies (the database) does not burn through every attempt in milliseconds.
                await asyncio.sleep(backoff(self._retry_delay, attempt, _RETRY_CAP))
            await _settle(message.nack(requeue=True), message, "nack")
            return
        self._recent.add(env.id)
        self._stats.consumed += 1
        await _settle(message.ack(), message, "ack")

    async def _on_batched(self, handler: BatchHandler, queue: str, message: AbstractIncomingMessage) -> None:
        try:
            env = decode(message.body, Kind.EVENT)
        except MalformedMessage as exc:
            await self._dead_letter_malformed(message, queue, exc)
            return
        self._pending.append((message, env))
        now = asyncio.get_running_loop().time()
        self._last_gap, self._last_delivery = now - self._last_delivery, now
        if not self._drain_scheduled:  # one drain job at a time; it takes whatever has come meanwhile
            self._drain_scheduled = True
            self._runner.submit(f"batches:{queue}", partial(self._drain, handler, queue))

    async def _drain(self, handler: BatchHandler, queue: str) -> None:
        wait = linger_before_batch(len(self._pending), self.max_batch, self._last_gap, self.batch_linger)
        if wait:  # deliveries meanwhile join the pending list; this job is still the one drain scheduled
            await asyncio.sleep(wait)
        self._drain_scheduled = False
        batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
        if self._pending:  # more than one batch waiting: the next drain runs right after this one
            self._drain_scheduled = True
            self._runner.submit(f"batches:{queue}", partial(self._drain, handler, queue))
        if batch:
            await self._handle_batch(handler, queue, batch)

    async def _handle_batch(
        self, handler: BatchHandler, queue: str, batch: list[tuple[AbstractIncomingMessage, Envelope]]
    ) -> None:
        fresh: list[tuple[AbstractIncomingMessage, Envelope]] = []
        done: list[AbstractIncomingMessage] = []
        seen: set[str] = set()
        for message, env in batch:
            if env.id in self._recent or env.id in seen:  # handled before, or twice in this batch
                self._stats.duplicates += 1
                done.append(message)
            else:
                seen.add(env.id)
                fresh.append((message, env))
        outcomes: list[BaseException | None]
        try:
            outcomes = list(await handler([env for _, env in fresh])) if fresh else []
            if len(outcomes) != len(fresh):
                raise RuntimeError(f"batch handler answered {len(outcomes)} outcomes for {len(fresh)} events")
        except Exception as exc:
            log.exception("batch handler failed for %d events from %s", len(fresh), queue)
            outcomes = [exc] * len(fresh)
        failed = []
        for (message, env), outcome in zip(fresh, outcomes, strict=True):
            if outcome is None:
                self._recent.add(env.id)
                self._stats.consumed += 1
                done.append(message)
            elif isinstance(outcome, MalformedMessage):
                # Refused for good by the handler (e.g. it names another guild's record): to the DLQ
                # at once, and before the multiple ack below, which would otherwise cover its tag.
                await self._dead_letter_malformed(message, queue, outcome)
            else:
                failed.append((message, env, outcome))
        if failed:
            self._failing += len(failed)
            task = asyncio.create_task(self._retry_later(queue, failed), name="rabbit-bus:retry")
            self._retries.add(task)  # a reference, so the task is not collected while it waits
            task.add_done_callback(self._retries.discard)
        await self._ack_all(done)

    async def _ack_all(self, messages: list[AbstractIncomingMessage]) -> None:
        if self._failing:
            for message in messages:
                await _settle(message.ack(), message, "ack")
            return
        # Deliveries of this batch may span a reconnect: one multiple ack per channel, on its last.
        last: dict[int, AbstractIncomingMessage] = {}
        for message in messages:
            last[id(_channel_of(message))] = message
        for message in last.values():
            await _settle(message.ack(multiple=True), message, "ack")

    async def _retry_later(
        self, queue: str, failed: list[tuple[AbstractIncomingMessage, Envelope, BaseException]]
    ) -> None:
        try:
            attempts = [_delivery_count(message) + 1 for message, _, _ in failed]
            for (_message, env, exc), attempt in zip(failed, attempts, strict=True):
                # No traceback per event: one outage can fail a whole batch.
                self._note_failure(queue, env, attempt, exc, traceback=False)
            retry = [a for a in attempts if a <= self._delivery_limit]
            if retry:  # see _handle_in_context: a pause so a brief outage does not burn every attempt
                await asyncio.sleep(backoff(self._retry_delay, min(retry), _RETRY_CAP))
            for message, _, _ in failed:
                await _settle(message.nack(requeue=True), message, "nack")
        finally:
            self._failing -= len(failed)

    def _note_failure(self, queue: str, env: Envelope, attempt: int, exc: BaseException, *, traceback: bool) -> bool:
        """Count and log a handler's failure; True if that was the last attempt (it is dead-lettered)."""
        self._stats.failed += 1
        last = attempt > self._delivery_limit
        if last:
            self._stats.dead_lettered += 1
        log.error(
            "handler failed for %s %s of guild %s from %s (attempt %d of %d)%s: %r",
            env.type, env.id, env.guild_id, queue, attempt, self._delivery_limit + 1,
            ", dead-lettering it" if last else ", will retry", exc,
            exc_info=exc if traceback else None,
        )  # fmt: skip
        return last

    async def _dead_letter_malformed(self, message: AbstractIncomingMessage, queue: str, exc: MalformedMessage) -> None:
        self._stats.malformed += 1
        self._stats.dead_lettered += 1
        log.warning(
            "dead-lettering malformed message %s (type %s) from %s: %s",
            message.message_id,
            message.type,
            queue,
            exc.reason,
            extra={"message_id": message.message_id},
        )
        await _settle(message.reject(requeue=False), message, "reject")

    async def _on_live(self, key: str, handler: Handler, message: AbstractIncomingMessage) -> None:
        try:
            env = decode(message.body, Kind.LIVE)
        except MalformedMessage as exc:
            # No dead-letter exchange on live queues: the notification is dropped.
            log.warning("dropping malformed live message %s: %s", message.message_id, exc.reason)
            await _settle(message.reject(requeue=False), message, "reject")
            return
        # One key per live queue: a replica sees notifications strictly in publish order.
        self._runner.submit(key, partial(self._handle_live, handler, message, env))

    async def _handle_live(self, handler: Handler, message: AbstractIncomingMessage, env: Envelope) -> None:
        await hand_live(handler, env, self._stats, log)
        await _settle(message.ack(), message, "ack")


def _spread(partitions: list[AbstractQueue]) -> tuple[list[AbstractQueue], list[AbstractQueue]]:
    """Which partition queues to consume now, and which after STANDBY_DELAY.

    The first consumer of a single-active-consumer queue gets all of it until it goes away, so the
    first replica to start would take every partition. Instead, a consumer that finds no partition
    consumed takes half of them now and the rest a moment later; one that finds some consumed takes
    the free ones now (it is active there) and the others later (standby). Replicas started together
    so share the partitions, and any replica keeps every partition going when the others stop.
    """
    free = [q for q in partitions if not _consumer_count(q)]
    if len(free) == len(partitions):
        half = (len(free) + 1) // 2
        return free[:half], free[half:]
    return free, [q for q in partitions if q not in free]


def _consumer_count(queue: AbstractQueue) -> int:
    result = queue.declaration_result
    return getattr(result, "consumer_count", 0) or 0


def _channel_of(message: AbstractIncomingMessage) -> object:
    try:
        return message.channel
    except (AMQPError, RuntimeError):
        return None


def _delivery_count(message: AbstractIncomingMessage) -> int:
    # Quorum queues count earlier deliveries in x-delivery-count (absent on the first).
    value = (message.headers or {}).get("x-delivery-count")
    return value if isinstance(value, int) else 0


async def _settle(action: Coroutine[Any, Any, None], message: AbstractIncomingMessage, what: str) -> None:
    """Ack / nack / reject, never hanging the guild's queue on a dead connection.

    A settle on a channel that died is impossible; the broker redelivers the message after the
    reconnect and the dedup (or the handler's own idempotency) absorbs it. If the connection dies
    while the frame waits in aiormq's write queue, the settle would wait forever: it is raced
    against the channel's closing (and a timeout, should that signal never come).
    """
    try:
        channel = message.channel  # raises once aio-pika knows the channel closed
    except (AMQPError, RuntimeError):
        channel = None
    if channel is None or channel.is_closed:
        action.close()
        log.info("%s of %s skipped: its channel is closed; it will be redelivered", what, message.message_id)
        return
    settle = asyncio.ensure_future(action)
    closed = channel.closing  # an observer: cancelling it does not close anything
    try:
        done, _ = await asyncio.wait({settle, closed}, timeout=_SETTLE_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    finally:
        closed.cancel()
    if settle not in done:
        settle.cancel()
        await asyncio.gather(settle, return_exceptions=True)
        log.info("%s of %s lost with its channel; it will be redelivered", what, message.message_id)
        return
    try:
        settle.result()
    except (AMQPError, RuntimeError, ConnectionError) as exc:
        log.info("%s of %s lost (%r); it will be redelivered", what, message.message_id, exc)
