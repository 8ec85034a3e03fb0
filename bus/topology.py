"""The RabbitMQ topology (DESIGN.md, "Messages"), declared idempotently by every process.

    partners.commands (direct) --shard.<n>--> partners.commands.shard.<n>   (quorum, one per shard)
    partners.events   (topic)  --p<n>.#----> partners.events.api.<n>        (quorum, single active consumer,
                                                                              one per partition)
                               --*.*-------> partners.events.api            (quorum: events of producers
                                                                              that do not partition yet)
    partners.live     (fanout) ------------> one exclusive auto-delete queue per api replica
    partners.dlx      (fanout) ------------> partners.dlq                   (quorum)

Whoever starts first creates it and the others find it, so no process depends on a start order.
The work queues are quorum queues: replicated, and they count deliveries, so a message that keeps
failing is dead-lettered after delivery_limit redeliveries instead of looping forever. RabbitMQ
refuses to redeclare a queue with other arguments: every process must use the same delivery_limit.

Events are partitioned by guild so that ONE consumer at a time, across every api replica, handles a
guild's events (a join and the member's leave can no longer be handled out of order by two replicas):
the publisher routes an event to `p<partition>.<type>` with the partition computed from its guild id
(crc32, the same in every process), and each partition queue has `x-single-active-consumer`, so the
broker delivers it to one of its consumers only, and moves it to another when that one goes away.
RabbitMQ's consistent-hash exchange plugin would do the routing too, but it is a plugin a broker must
have enabled; this needs none. EVENT_PARTITIONS is part of the topology: every process must agree.
A partition queue is consumed by one replica at a time: the replica that subscribed first; the others
stand by for it (add partitions, or start replicas at different moments, to spread the work).
Producers of an older version publish with the bare type (two words) as routing key: those events
go to the unpartitioned queue, consumed as before.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue
from aiormq.exceptions import ChannelPreconditionFailed

from bus.errors import TopologyMismatch
from bus.routing import command_routing_key

COMMANDS_EXCHANGE = "partners.commands"
EVENTS_EXCHANGE = "partners.events"
EVENTS_QUEUE = "partners.events.api"  # unpartitioned: what producers of an older version send
EVENT_PARTITIONS = 8
LIVE_EXCHANGE = "partners.live"
DEAD_LETTER_EXCHANGE = "partners.dlx"
DEAD_LETTER_QUEUE = "partners.dlq"


def command_queue_name(shard_id: int) -> str:
    return f"partners.commands.shard.{shard_id}"


def event_partition(guild_id: int | str) -> int:
    """The partition of a guild's events: stable across processes and Python runs (not hash())."""
    return zlib.crc32(str(int(guild_id)).encode()) % EVENT_PARTITIONS


def event_queue_name(partition: int) -> str:
    return f"{EVENTS_QUEUE}.{partition}"


def event_routing_key(event_type: str, guild_id: int | str) -> str:
    return f"p{event_partition(guild_id)}.{event_type}"


def event_queue_names() -> list[str]:
    return [EVENTS_QUEUE, *(event_queue_name(p) for p in range(EVENT_PARTITIONS))]


def live_queue_name(owner: str) -> str:
    # Named (not server-named) so the robust connection can redeclare it after a reconnect, and so
    # an operator can tell in the management UI which replica a live queue belongs to.
    return f"partners.live.{owner}.{uuid.uuid4().hex[:8]}"


def work_queue_arguments(delivery_limit: int) -> dict[str, object]:
    return {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-delivery-limit": delivery_limit,
    }


def partition_queue_arguments(delivery_limit: int) -> dict[str, object]:
    return {**work_queue_arguments(delivery_limit), "x-single-active-consumer": True}


@dataclass(frozen=True)
class Exchanges:
    commands: AbstractExchange
    events: AbstractExchange
    live: AbstractExchange
    dead_letter: AbstractExchange


async def declare_base(channel: AbstractChannel, delivery_limit: int) -> Exchanges:
    """Exchanges, the events queue and the dead-letter queue (everything but the shard queues)."""
    try:
        dlx = await channel.declare_exchange(DEAD_LETTER_EXCHANGE, aio_pika.ExchangeType.FANOUT, durable=True)
        dlq = await channel.declare_queue(DEAD_LETTER_QUEUE, durable=True, arguments={"x-queue-type": "quorum"})
        await dlq.bind(dlx, routing_key="")
        commands = await channel.declare_exchange(COMMANDS_EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True)
        events = await channel.declare_exchange(EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
        live = await channel.declare_exchange(LIVE_EXCHANGE, aio_pika.ExchangeType.FANOUT, durable=True)
        await declare_events_queues(channel, delivery_limit)
    except ChannelPreconditionFailed as exc:
        raise TopologyMismatch(f"the broker's topology differs from this process's: {exc}") from exc
    return Exchanges(commands=commands, events=events, live=live, dead_letter=dlx)


async def declare_events_queues(channel: AbstractChannel, delivery_limit: int) -> list[AbstractQueue]:
    """The unpartitioned events queue, then every partition queue (in partition order)."""
    queues = []
    try:
        legacy = await channel.declare_queue(EVENTS_QUEUE, durable=True, arguments=work_queue_arguments(delivery_limit))
        await legacy.bind(EVENTS_EXCHANGE, routing_key="*.*")
        # Before partitions it was bound with "#", which would now copy every partitioned event into it.
        await legacy.unbind(EVENTS_EXCHANGE, routing_key="#")
        queues.append(legacy)
        for partition in range(EVENT_PARTITIONS):
            name = event_queue_name(partition)
            queue = await channel.declare_queue(name, durable=True, arguments=partition_queue_arguments(delivery_limit))
            await queue.bind(EVENTS_EXCHANGE, routing_key=f"p{partition}.#")
            queues.append(queue)
    except ChannelPreconditionFailed as exc:
        raise TopologyMismatch(f"an events queue exists with other arguments: {exc}") from exc
    return queues


async def declare_command_queues(
    channel: AbstractChannel, shard_ids: Iterable[int], delivery_limit: int
) -> dict[int, AbstractQueue]:
    """The shard queues, each bound to partners.commands with its own routing key.

    Declared by the publisher for every shard of SHARD_COUNT (so a command for a node that is down
    waits in its queue) and by each node for the shards it consumes.
    """
    queues: dict[int, AbstractQueue] = {}
    try:
        for shard_id in shard_ids:
            queue = await channel.declare_queue(
                command_queue_name(shard_id), durable=True, arguments=work_queue_arguments(delivery_limit)
            )
            await queue.bind(COMMANDS_EXCHANGE, routing_key=command_routing_key(shard_id))
            queues[shard_id] = queue
    except ChannelPreconditionFailed as exc:
        raise TopologyMismatch(f"a shard queue exists with other arguments: {exc}") from exc
    return queues
