"""Events taken in batches (RabbitMQ only): each guild's order, every event once, one ack for many,
and a failure retried alone."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict

from bus import Envelope
from bus.topology import event_queue_names
from tests.bus.helpers import eventually, guild_on_shard, joined, publish_across_a_connection_loss


async def _queue_depth(bus) -> int:
    channel = bus._consumer._batch_channel  # the batch channel of the consuming bus
    total = 0
    for name in event_queue_names():
        total += (await channel.declare_queue(name, passive=True)).declaration_result.message_count
    return total


async def _publish(bus, events: list[Envelope]) -> None:
    for start in range(0, len(events), 100):
        await asyncio.gather(*(bus.publish_event(e) for e in events[start : start + 100]))


async def test_batches_keep_each_guilds_order_and_settle_everything(rabbit) -> None:
    api = await rabbit(prefetch=200)
    cluster = await rabbit()
    seen: dict[str, list[int]] = defaultdict(list)
    sizes: list[int] = []

    async def one(env: Envelope) -> None:
        raise AssertionError("the batch handler takes every event")

    async def batch(envs: list[Envelope]) -> list[BaseException | None]:
        sizes.append(len(envs))
        await asyncio.sleep(0.02)  # slower than the producer, so deliveries pile up into batches
        for env in envs:
            seen[env.guild_id].append(env.data["user_id"])
        return [None] * len(envs)

    await api.consume_events(one, batch)
    events = [joined(guild_on_shard(0, 1, n % 6), seq=n) for n in range(1200)]
    await _publish(cluster, events)
    await eventually(lambda: sum(sizes) >= len(events), within=60, what="every event handled")
    await asyncio.sleep(0.3)

    assert sum(sizes) == len(events) and max(sizes) > 1
    expected: dict[str, list[int]] = defaultdict(list)
    for env in events:
        expected[env.guild_id].append(env.data["user_id"])
    assert {g: [int(u) for u in users] for g, users in seen.items()} == {
        g: [int(u) for u in users] for g, users in expected.items()
    }
    assert await _queue_depth(api) == 0  # acked: nothing waits to be redelivered
    assert api.stats.consumed == len(events)


async def test_a_failed_event_is_retried_alone_and_the_rest_acked_once(rabbit) -> None:
    api = await rabbit(prefetch=50)
    cluster = await rabbit()
    handled: Counter[str] = Counter()
    events = [joined(guild_on_shard(0, 1, n % 3), seq=n) for n in range(150)]
    flaky = events[70].id
    failures = 0

    async def batch(envs: list[Envelope]) -> list[BaseException | None]:
        nonlocal failures
        outcomes: list[BaseException | None] = []
        for env in envs:
            if env.id == flaky and failures == 0:
                failures += 1
                outcomes.append(ConnectionError("the database blinked"))
            else:
                handled[env.id] += 1
                outcomes.append(None)
        return outcomes

    async def one(env: Envelope) -> None:
        raise AssertionError("unused")

    await api.consume_events(one, batch)
    await _publish(cluster, events)
    await eventually(lambda: len(handled) == len(events), within=30, what="every event, the flaky one retried")
    await asyncio.sleep(0.5)
    assert failures == 1 and max(handled.values()) == 1
    assert await _queue_depth(api) == 0
    assert api.stats.failed == 1


async def test_no_batched_event_is_lost_when_connections_are_killed_mid_stream(rabbit, broker_url: str) -> None:
    api = await rabbit(prefetch=100)
    cluster = await rabbit()
    handled: Counter[str] = Counter()

    async def batch(envs: list[Envelope]) -> list[BaseException | None]:
        await asyncio.sleep(0.01 * len(envs) ** 0.5)
        handled.update(env.id for env in envs)
        return [None] * len(envs)

    async def one(env: Envelope) -> None:
        raise AssertionError("unused")

    await api.consume_events(one, batch)
    await publish_across_a_connection_loss(cluster, handled, broker_url)
    # Batches whose multiple ack was lost come back; the consumer's dedup skips them.
    assert max(handled.values()) == 1


async def test_a_busy_stream_waits_a_little_for_bigger_batches_and_a_lone_event_does_not(rabbit) -> None:
    """With a linger, events streaming in are handled in fewer, bigger batches (each batch's fixed
    cost is shared); an event after a quiet spell is handled alone, as soon as it comes."""
    api = await rabbit(prefetch=200, batch_linger=0.2)
    cluster = await rabbit()
    sizes: list[int] = []

    async def one(env: Envelope) -> None:
        raise AssertionError("the batch handler takes every event")

    async def batch(envs: list[Envelope]) -> list[BaseException | None]:
        sizes.append(len(envs))  # fast: without the linger, events 20 ms apart would not pile up
        return [None] * len(envs)

    await api.consume_events(one, batch)
    guild = guild_on_shard(0, 1, 0)
    for n in range(60):  # one at a time, 20 ms apart: a steady stream, not a burst
        await cluster.publish_event(joined(guild, seq=n))
        await asyncio.sleep(0.02)
    await eventually(lambda: sum(sizes) >= 60, within=30, what="every streamed event handled")
    streamed = list(sizes)
    assert sum(streamed) == 60 and len(streamed) <= 10, streamed  # without the linger: about 60 batches of one

    await asyncio.sleep(0.6)  # a quiet spell, three times the linger
    await cluster.publish_event(joined(guild, seq=1000))
    await eventually(lambda: sum(sizes) == 61, within=30, what="the lone event handled")
    assert sizes[len(streamed) :] == [1]
    assert await _queue_depth(api) == 0
