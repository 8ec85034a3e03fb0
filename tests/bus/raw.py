"""Talking to the test broker without the bus: inject bodies, read queues, inspect messages."""

from __future__ import annotations

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from bus import MemoryBus
from bus.topology import DEAD_LETTER_QUEUE, EVENTS_EXCHANGE, EVENTS_QUEUE


async def publish_raw(url: str, body: bytes, *, exchange: str = EVENTS_EXCHANGE, routing_key: str = "x.y") -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        target = await channel.get_exchange(exchange)
        await target.publish(aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key)


async def drain(url: str, queue: str) -> list[AbstractIncomingMessage]:
    """Every message now in the queue, taken off it (acked). Through a consumer, not basic.get, which
    quorum queues with a single active consumer (the event partitions) refuse."""
    out: list[AbstractIncomingMessage] = []
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        q = await channel.declare_queue(queue, passive=True)
        wanted = q.declaration_result.message_count or 0
        if wanted:
            async with q.iterator(no_ack=True) as messages:
                async for message in messages:
                    out.append(message)
                    if len(out) == wanted:
                        break
    return out


async def depth(url: str, queue: str) -> int:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        q = await channel.declare_queue(queue, passive=True)
        return q.declaration_result.message_count or 0


async def inject(bus: object, url: str, body: bytes) -> None:
    """Put a raw body on the events queue, as another program would."""
    if isinstance(bus, MemoryBus):
        bus.deliver_raw(EVENTS_QUEUE, body)
    else:
        await publish_raw(url, body)


async def dead_bodies(bus: object, url: str) -> list[bytes]:
    """Bodies dead-lettered so far (partners.dlq, or the twin's dead_letters)."""
    if isinstance(bus, MemoryBus):
        return [d.body for d in bus.dead_letters]
    return [m.body for m in await drain(url, DEAD_LETTER_QUEUE)]
