"""The Bus on RabbitMQ (aio-pika): a publishing connection and a consuming connection, both robust."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterable

from bus.base import BatchHandler, BusLifetime, BusStats, Handler
from bus.contracts.registry import Kind
from bus.delivery import ensure_publishable
from bus.envelope import Envelope
from bus.rabbit_connection import BrokerLink
from bus.rabbit_consumer import RabbitConsumer
from bus.rabbit_publisher import RabbitPublisher
from bus.routing import command_routing_key, shard_for
from bus.topology import event_routing_key


class RabbitBus(BusLifetime):
    """Settings are plain arguments; the processes' pydantic-settings classes fill them.

    prefetch: unacked deliveries per consumer (bounds memory and handler concurrency).
    delivery_limit: redeliveries before a failing message is dead-lettered (x-delivery-limit; must
        be the same in every process, RabbitMQ refuses to redeclare a queue with another value).
    publish_timeout: how long a publish keeps retrying through an outage before PublishFailed.
    retry_delay: base of the backoff before a failed handler's message is nacked.
    dedup_size: how many recently handled ids the duplicate filter remembers.
    reconnect_interval: pause between reconnect attempts of the robust connections.
    connect_timeout: how long start() waits for an unreachable broker before BrokerUnavailable.
    shard_count: if given, start() declares the command queues of every shard at once.
    name: shows in the broker's connection list and as app_id of published messages.
    batch_linger: seconds a batch of events waits for more while the stream is busy (bus/batch_linger.py).
    """

    def __init__(
        self,
        url: str,
        *,
        prefetch: int = 100,
        delivery_limit: int = 5,
        publish_timeout: float = 30.0,
        retry_delay: float = 0.5,
        dedup_size: int = 10_000,
        reconnect_interval: float = 1.0,
        connect_timeout: float = 30.0,
        close_timeout: float = 10.0,
        shard_count: int | None = None,
        name: str | None = None,
        batch_linger: float = 0.0,
    ) -> None:
        self.stats = BusStats()
        name = name or f"partners-{socket.gethostname()}-{os.getpid()}"
        self._shard_count = shard_count
        self._close_timeout = close_timeout
        link = BrokerLink(url, self.stats, delivery_limit, reconnect_interval, connect_timeout, name)
        self._publisher = RabbitPublisher(link, publish_timeout=publish_timeout)
        self._consumer = RabbitConsumer(
            link, prefetch=prefetch, retry_delay=retry_delay, dedup_size=dedup_size, batch_linger=batch_linger
        )
        self._state = "new"
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        async with self._lock:
            if self._state == "started":
                return
            if self._state == "closed":
                raise RuntimeError("bus is closed")
            try:
                await self._publisher.start()
                if self._shard_count:
                    await self._publisher.ensure_shard_queues(self._shard_count)
            except BaseException:
                # A half-started bus must not leave a robust connection reconnecting forever.
                await self._publisher.close()
                raise
            self._state = "started"

    async def close(self) -> None:
        async with self._lock:
            if self._state == "closed":
                return
            self._state = "closed"
            await self._consumer.close(self._close_timeout)
            await self._publisher.close()

    async def stop_consuming(self) -> None:
        """Graceful shutdown, first step: cancel every consumer, let the handlers already running finish
        and ack (bounded by close_timeout), and close the consuming connection, so whatever was not
        handled goes back to its queue for another consumer. Publishing still works (in-flight requests
        may publish) until close(). Idempotent; close() does it too."""
        await self._consumer.close(self._close_timeout)

    def health(self) -> dict[str, object]:
        """For readiness probes: is the broker connection up, and how many consumers run."""
        return {
            "state": self._state,
            "connected": self._publisher.connected,
            "consumers": self._consumer.consumer_count,
            "consuming_connected": self._consumer.connected,
        }

    async def publish_event(self, env: Envelope) -> None:
        self._check_open()
        ensure_publishable(env, Kind.EVENT)
        # Partitioned by guild (bus/topology.py): one consumer at a time handles a guild's events.
        await self._publisher.publish(self._publisher.exchanges.events, event_routing_key(env.type, env.guild_id), env)

    async def publish_command(self, env: Envelope, shard_count: int) -> int:
        self._check_open()
        ensure_publishable(env, Kind.COMMAND)
        shard = shard_for(env.guild_id, shard_count)
        await self._publisher.ensure_shard_queues(shard_count)
        await self._publisher.publish(self._publisher.exchanges.commands, command_routing_key(shard), env)
        return shard

    async def publish_live(self, env: Envelope) -> None:
        self._check_open()
        ensure_publishable(env, Kind.LIVE)
        # Not mandatory: with no replica listening, nobody needs the notification.
        await self._publisher.publish(self._publisher.exchanges.live, "", env, mandatory=False)

    async def consume_events(self, handler: Handler, batch: BatchHandler | None = None) -> None:
        self._check_open()
        await self._consumer.consume_events(handler, batch)

    async def consume_commands(self, shard_ids: Iterable[int], handler: Handler) -> None:
        self._check_open()
        await self._consumer.consume_commands(list(shard_ids), handler)

    async def consume_live(self, handler: Handler) -> None:
        self._check_open()
        await self._consumer.consume_live(handler)

    def _check_open(self) -> None:
        if self._state != "started":
            raise RuntimeError("bus not started: call start() first" if self._state == "new" else "bus is closed")
