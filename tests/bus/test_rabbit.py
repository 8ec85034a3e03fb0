"""What only the RabbitMQ implementation has: AMQP properties, the broker's routing and dead-letter
queue, topology checks, and surviving connection loss and broker outages."""

from __future__ import annotations

import asyncio
from collections import Counter

import aio_pika
import pytest

from bus import Envelope, PublishFailed, RabbitBus, TopologyMismatch, Unroutable
from bus.topology import (
    DEAD_LETTER_QUEUE,
    EVENTS_EXCHANGE,
    EVENTS_QUEUE,
    command_queue_name,
    event_partition,
    event_queue_name,
    event_queue_names,
)
from tests.bus.helpers import eventually, grant, guild_on_shard, joined, publish_across_a_connection_loss
from tests.bus.raw import drain, publish_raw
from tests.support.broker import arabbitmqctl, vhost_of


async def test_published_message_is_persistent_json_with_the_envelope_id(rabbit, broker_url: str) -> None:
    bus = await rabbit()
    event = joined(175928847299117063)
    await bus.publish_event(event)
    # Routed to its guild's partition (bus/topology.py), nowhere else.
    partition = event_partition(event.guild_id)
    [message] = await drain(broker_url, event_queue_name(partition))
    assert await drain(broker_url, EVENTS_QUEUE) == []
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert message.content_type == "application/json"
    assert message.message_id == event.id
    assert message.type == "member.joined"
    assert message.routing_key == f"p{partition}.member.joined"
    assert Envelope.from_json(message.body) == event


async def test_unroutable_message_raises(rabbit, broker_url: str) -> None:
    bus = await rabbit()
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel()
        for name in event_queue_names():  # the exchange stays, nothing is bound to it
            queue = await channel.get_queue(name)
            await queue.unbind(EVENTS_EXCHANGE, "*.*" if name == EVENTS_QUEUE else f"p{name.rsplit('.', 1)[1]}.#")
        shard_queue = command_queue_name(3)
        await bus.publish_command(grant(guild_on_shard(3, 4)), 4)  # declares the shard queues
        await channel.queue_delete(shard_queue)

    with pytest.raises(Unroutable, match=r"member\.joined"):
        await bus.publish_event(joined(1))
    with pytest.raises(Unroutable, match=r"shard\.3"):
        await bus.publish_command(grant(guild_on_shard(3, 4)), 4)
    assert bus.stats.publish_retries == 0  # refused at once, not retried


async def test_dead_letter_reasons(rabbit, broker_url: str) -> None:
    bus = await rabbit(delivery_limit=1)

    async def handler(env: Envelope) -> None:
        raise RuntimeError("always")

    await bus.consume_events(handler)
    failing = joined(1)
    await bus.publish_event(failing)
    await publish_raw(broker_url, b"garbage")
    dead: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def both_dead() -> None:
        while len(dead) < 2:
            dead.extend(await drain(broker_url, DEAD_LETTER_QUEUE))
            await asyncio.sleep(0.02)

    await asyncio.wait_for(both_dead(), 10)
    reasons = {m.body: m.headers["x-first-death-reason"] for m in dead}
    assert reasons == {b"garbage": "rejected", failing.to_json(): "delivery_limit"}


async def test_topology_must_agree_between_processes(rabbit) -> None:
    await rabbit(delivery_limit=5)
    with pytest.raises(TopologyMismatch):
        await rabbit(delivery_limit=3)


async def test_no_event_is_lost_when_connections_are_killed_mid_stream(rabbit, broker_url: str) -> None:
    api = await rabbit(prefetch=100)
    cluster = await rabbit()
    handled: Counter[str] = Counter()

    async def handler(env: Envelope) -> None:
        # Slower than the producer, so deliveries are in flight (unacked) when the connection dies.
        await asyncio.sleep(0.01)
        handled[env.id] += 1

    await api.consume_events(handler)
    events = await publish_across_a_connection_loss(cluster, handled, broker_url)
    assert set(handled) == {e.id for e in events}
    # Redeliveries of messages whose ack was lost are skipped by the dedup, never handled twice here.
    assert max(handled.values()) == 1
    assert api.stats.reconnects >= 1 and cluster.stats.reconnects >= 1  # both connections were cut
    await asyncio.sleep(0.2)  # the point: no redelivery is handled afterwards
    assert len(handled) == len(events)


async def test_live_and_command_consumers_come_back_after_a_connection_loss(rabbit, broker_url: str) -> None:
    api = await rabbit()
    node = await rabbit()
    live: list[str] = []
    commands: list[str] = []

    async def on_live(env: Envelope) -> None:
        live.append(env.id)

    async def on_command(env: Envelope) -> None:
        commands.append(env.id)

    await api.consume_live(on_live)
    await node.consume_commands([0, 1], on_command)
    await arabbitmqctl("close_all_connections", "--vhost", vhost_of(broker_url), "bus test: connection loss")
    await eventually(lambda: api.stats.reconnects >= 2 and node.stats.reconnects >= 2, what="reconnects")

    note = Envelope.new("live.partner_join", 1, {"partnership_id": "p", "user_id": 2, "at": "2025-01-01T00:00:00Z"})
    await api.publish_live(note)
    command = grant(guild_on_shard(1, 2))
    await api.publish_command(command, 2)
    await eventually(lambda: live == [note.id] and commands == [command.id], what="deliveries after the reconnect")


@pytest.mark.slow  # starts a RabbitMQ node of its own
async def test_publish_waits_through_a_broker_outage_then_gives_up(rabbit, private_broker) -> None:
    """Stops the broker for a few seconds: a node of this session's own, so no one else is disturbed."""
    patient = await rabbit(publish_timeout=60.0)
    hasty = await rabbit(publish_timeout=1.0)
    handled: list[str] = []

    async def handler(env: Envelope) -> None:
        handled.append(env.id)

    await patient.consume_events(handler)
    during = joined(2)
    async with private_broker.stopped():
        with pytest.raises(PublishFailed, match="not confirmed within 1s"):
            await hasty.publish_event(joined(1))
        waiting = asyncio.create_task(patient.publish_event(during))
        await asyncio.sleep(0.5)  # the point: half a second into the outage, the publish still waits
        assert not waiting.done()
    await asyncio.wait_for(waiting, 30)  # the broker is back: the publish went through
    await eventually(lambda: handled == [during.id], within=30, what="the event published during the outage")
    assert patient.stats.publish_retries >= 1


async def test_start_fails_clearly_without_a_broker() -> None:
    from bus import BrokerUnavailable

    bus = RabbitBus("amqp://guest:guest@127.0.0.1:1/", connect_timeout=0.5)
    with pytest.raises(BrokerUnavailable):
        await bus.start()
