"""Publishing to RabbitMQ: persistent JSON messages, publisher confirms, mandatory routing, and a
bounded wait through broker outages."""

from __future__ import annotations

import asyncio
import logging

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection
from aiormq.exceptions import AMQPError, PublishError

from bus.delivery import backoff
from bus.envelope import Envelope
from bus.errors import PublishFailed, Unroutable
from bus.rabbit_connection import BrokerLink
from bus.topology import Exchanges, declare_base, declare_command_queues

log = logging.getLogger(__name__)

# What an outage looks like from publish(): a closed channel or connection (aiormq / aio-pika
# errors, RuntimeError for "channel in invalid state"), socket errors, a confirm that never came
# (TimeoutError) or a broker nack (DeliveryError, an AMQPError). All are worth retrying.
_RETRYABLE = (AMQPError, ConnectionError, OSError, RuntimeError, TimeoutError)
# A confirm takes milliseconds; an attempt this slow is stuck, not busy.
_ATTEMPT_TIMEOUT = 5.0


class RabbitPublisher:
    def __init__(self, link: BrokerLink, *, publish_timeout: float) -> None:
        self._link = link
        self._stats = link.stats
        self._delivery_limit = link.delivery_limit
        self._publish_timeout = publish_timeout
        self._name = link.name
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchanges: Exchanges | None = None
        self._shard_counts: set[int] = set()
        self._declare_lock = asyncio.Lock()

    @property
    def exchanges(self) -> Exchanges:
        if self._exchanges is None:
            raise RuntimeError("bus not started: call start() first")
        return self._exchanges

    @property
    def connected(self) -> bool:
        """The publishing connection is up (False while it reconnects)."""
        return self._connection is not None and self._connection.connected.is_set()

    async def start(self) -> None:
        self._connection = await self._link.connect("publish")
        # on_return_raises: with mandatory=True, a message no queue takes raises PublishError
        # instead of vanishing, which is how an unroutable command is noticed.
        self._channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        self._exchanges = await declare_base(self._channel, self._delivery_limit)

    async def ensure_shard_queues(self, shard_count: int) -> None:
        """Declare the queues of shards 0..shard_count-1 once, so a command for a node that is not
        running yet waits in its queue instead of being unroutable."""
        if shard_count in self._shard_counts:
            return
        async with self._declare_lock:
            if shard_count not in self._shard_counts:
                assert self._channel is not None
                await declare_command_queues(self._channel, range(shard_count), self._delivery_limit)
                self._shard_counts.add(shard_count)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    async def publish(
        self, exchange: AbstractExchange, routing_key: str, env: Envelope, *, mandatory: bool = True
    ) -> None:
        """Publish and wait for the broker's confirm. Retries through outages and nacks with backoff
        for up to publish_timeout seconds, then raises PublishFailed; an unroutable message raises
        Unroutable at once. A retry after a lost confirm can duplicate the message: consumers
        dedup on the envelope id."""
        message = aio_pika.Message(
            env.to_json(),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=env.id,
            type=env.type,
            timestamp=env.occurred_at,
            app_id=self._name,
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._publish_timeout
        attempt = 0
        while True:
            attempt += 1
            try:
                # Each attempt is bounded too: on a connection that died under it, aiormq can wait
                # forever for a confirm or a write, while a fresh attempt would use the reconnection.
                async with asyncio.timeout(max(0.001, min(_ATTEMPT_TIMEOUT, deadline - loop.time()))):
                    await exchange.publish(message, routing_key, mandatory=mandatory)
            except PublishError as exc:
                raise Unroutable(
                    f"no queue bound for {env.type} {env.id} on {exchange.name!r} with routing key {routing_key!r}"
                ) from exc
            except _RETRYABLE as exc:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise PublishFailed(
                        f"{env.type} {env.id} not confirmed within {self._publish_timeout:g}s "
                        f"({attempt} attempts): {exc!r}"
                    ) from exc
                self._stats.publish_retries += 1
                log.log(
                    logging.WARNING if attempt == 1 else logging.DEBUG,
                    "publish of %s %s failed (%r), retrying for up to %.1fs",
                    env.type,
                    env.id,
                    exc,
                    remaining,
                )
                await asyncio.sleep(min(remaining, backoff(0.05, attempt, 1.0)))
            else:
                self._stats.published += 1
                return
