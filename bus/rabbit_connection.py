"""Opening a robust aio-pika connection, with a bounded wait for a broker that is still starting."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractRobustConnection

from bus.base import BusStats
from bus.delivery import backoff
from bus.errors import BrokerUnavailable

log = logging.getLogger(__name__)


async def connect(
    url: str, *, name: str, reconnect_interval: float, give_up_after: float, stats: BusStats
) -> AbstractRobustConnection:
    """A robust connection: after a loss it reconnects every reconnect_interval seconds and restores
    its channels, exchanges, queues, bindings and consumers by itself.

    The first connection is retried for up to give_up_after seconds, because in a compose-style start the
    broker may come up after us; past that the process should fail loudly, not hang.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + give_up_after
    attempt = 0
    while True:
        attempt += 1
        try:
            connection = await aio_pika.connect_robust(
                url,
                reconnect_interval=reconnect_interval,
                client_properties={"connection_name": name},
                timeout=max(1.0, min(10.0, deadline - loop.time())),
            )
        except (aio_pika.exceptions.AMQPError, ConnectionError, OSError, TimeoutError) as exc:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise BrokerUnavailable(f"cannot connect to RabbitMQ after {give_up_after:g}s: {exc!r}") from exc
            log.warning("RabbitMQ not reachable (%r), retrying", exc)
            await asyncio.sleep(min(remaining, backoff(0.2, attempt, 2.0)))
            continue
        connection.reconnect_callbacks.add(stats.count_reconnect)
        return connection


@dataclass(frozen=True)
class BrokerLink:
    """What the publishing and the consuming side of one RabbitBus share: the broker, the counters,
    the queues' delivery limit and how each opens its own robust connection."""

    url: str
    stats: BusStats
    delivery_limit: int  # x-delivery-limit of the queues either side declares
    reconnect_interval: float
    connect_timeout: float
    name: str  # the process's name in the broker's connection list

    async def connect(self, role: str) -> AbstractRobustConnection:
        """A connection of its own for one side (``role``: "publish" or "consume")."""
        return await connect(
            self.url,
            name=f"{self.name}:{role}",
            reconnect_interval=self.reconnect_interval,
            give_up_after=self.connect_timeout,
            stats=self.stats,
        )
