"""Behaviour both implementations share, each test run on RabbitMQ and on the in-memory twin."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter, defaultdict

import pytest

from bus import Bus, Envelope, MalformedMessage, MemoryBus, Refused, make_bus, parse_as, shard_for
from bus.contracts import LiveQueueEvent, MemberJoined
from bus.topology import command_queue_name, event_partition, event_queue_name
from tests.bus.conftest import BusMaker
from tests.bus.helpers import eventually, grant, guild_on_shard, joined, left
from tests.bus.raw import dead_bodies, depth, inject

SHARDS = 8
BASE_USER = 80351110224678912


async def collect_dead(bus: Bus, url: str, count: int, within: float = 10.0) -> list[bytes]:
    """Wait until count bodies were dead-lettered; returns them."""
    seen: list[bytes] = []
    deadline = time.monotonic() + within
    while len(seen) < count:
        if isinstance(bus, MemoryBus):
            seen = await dead_bodies(bus, url)
        else:
            seen += await dead_bodies(bus, url)
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(seen)} of {count} messages dead-lettered after {within}s")
        await asyncio.sleep(0.02)
    return seen


async def handled_ids(bus: Bus) -> list[str]:
    """Consumes the events on `bus`; the list of the ids handled, in order, as they come."""
    handled: list[str] = []

    async def handler(env: Envelope) -> None:
        handled.append(env.id)

    await bus.consume_events(handler)
    return handled


async def test_commands_land_only_in_their_shard_queue(maker: BusMaker) -> None:
    api = await maker()
    guilds = [guild_on_shard(s, SHARDS, n) for s in range(SHARDS) for n in range(3)]
    random.Random(1).shuffle(guilds)
    for guild in guilds:
        assert await api.publish_command(grant(guild), SHARDS) == shard_for(guild, SHARDS)

    if maker.kind == "rabbit":
        # Nobody consumes yet: every command waits in its own shard's queue.
        for shard in range(SHARDS):
            assert await depth(maker.url, command_queue_name(shard)) == 3

    node = await maker.peer(api)
    got: dict[int, list[str]] = defaultdict(list)
    for shard in range(SHARDS):

        async def handler(env: Envelope, shard: int = shard) -> None:
            got[shard].append(env.guild_id)

        await node.consume_commands([shard], handler)

    await eventually(lambda: sum(map(len, got.values())) == len(guilds), what="all commands")
    for shard in range(SHARDS):
        assert len(got[shard]) == 3
        assert all(shard_for(g, SHARDS) == shard for g in got[shard])


async def test_command_waits_until_its_shard_gets_a_consumer(maker: BusMaker) -> None:
    api = await maker()
    late_guild = guild_on_shard(5, SHARDS)
    await api.publish_command(grant(late_guild), SHARDS)

    node = await maker.peer(api)
    got: list[tuple[int, str]] = []

    async def handler(env: Envelope) -> None:
        got.append((shard_for(env.guild_id, SHARDS), env.guild_id))

    await node.consume_commands(range(5), handler)  # shards 0..4 ready first
    await api.publish_command(grant(guild_on_shard(2, SHARDS)), SHARDS)
    await eventually(lambda: len(got) == 1, what="the shard 2 command")
    await asyncio.sleep(0.2)  # the point: the shard 5 command does not arrive meanwhile
    assert got == [(2, str(guild_on_shard(2, SHARDS)))]

    await node.consume_commands([5], handler)  # shard 5 becomes ready later
    await eventually(lambda: len(got) == 2, what="the waiting shard 5 command")
    assert got[1] == (5, str(late_guild))


async def test_failing_handler_is_retried_then_dead_lettered(maker: BusMaker) -> None:
    bus = await maker(delivery_limit=2)
    attempts: Counter[str] = Counter()
    handled: list[str] = []
    poison, fine = joined(1), joined(2)

    async def handler(env: Envelope) -> None:
        attempts[env.id] += 1
        if env.id == poison.id:
            raise RuntimeError("database down")
        handled.append(env.id)

    await bus.consume_events(handler)
    await bus.publish_event(poison)
    await bus.publish_event(fine)

    dead = await collect_dead(bus, maker.url, 1)
    assert [Envelope.from_json(b).id for b in dead] == [poison.id]
    assert attempts[poison.id] == 3  # the first delivery and delivery_limit=2 redeliveries
    await eventually(lambda: handled == [fine.id], what="the good event")
    assert bus.stats.failed == 3
    assert bus.stats.dead_lettered == 1
    assert bus.stats.consumed == 1


async def test_transient_failure_is_retried_until_it_succeeds(maker: BusMaker) -> None:
    bus = await maker(delivery_limit=5)
    calls: list[int] = []

    async def handler(env: Envelope) -> None:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("blip")

    await bus.consume_events(handler)
    await bus.publish_event(joined(1))
    await eventually(lambda: bus.stats.consumed == 1, what="success on the third try")
    assert len(calls) == 3
    assert bus.stats.dead_lettered == 0


async def test_malformed_messages_are_dead_lettered_and_the_consumer_goes_on(maker: BusMaker) -> None:
    bus = await maker()
    handled = await handled_ids(bus)
    good = json.loads(joined(1).to_json())
    bad_bodies = [
        b"{this is not json",
        json.dumps(dict(good, type="member.teleported")).encode(),  # unknown type
        json.dumps(dict(good, version=7)).encode(),  # unknown version
        json.dumps(dict(good, data={"user_id": "1"})).encode(),  # missing fields
        json.dumps({k: v for k, v in good.items() if k != "guild_id"}).encode(),  # bad envelope
        grant(1).to_json(),  # a command on the events queue
    ]
    for body in bad_bodies:
        await inject(bus, maker.url, body)
    after = joined(2)
    await bus.publish_event(after)

    await eventually(lambda: handled == [after.id], what="the good event after the bad ones")
    dead = await collect_dead(bus, maker.url, len(bad_bodies))
    assert sorted(dead) == sorted(bad_bodies)
    assert bus.stats.malformed == len(bad_bodies)
    assert bus.stats.failed == 0


async def test_a_message_the_handler_refuses_for_good_is_dead_lettered_at_once(maker: BusMaker) -> None:
    """`Refused` (e.g. an event naming another guild's record) is never retried: one try, then the DLQ."""
    bus = await maker()
    tries: Counter[str] = Counter()
    forged, after = joined(1, seq=1), joined(1, seq=2)

    async def handler(env: Envelope) -> None:
        tries[env.id] += 1
        if env.id == forged.id:
            raise Refused("names a record of another guild")

    await bus.consume_events(handler)
    await bus.publish_event(forged)
    await bus.publish_event(after)
    await eventually(lambda: tries[after.id] == 1, what="the event after the refused one")
    dead = await collect_dead(bus, maker.url, 1)
    assert [json.loads(body)["id"] for body in dead] == [forged.id]
    assert tries[forged.id] == 1
    assert bus.stats.failed == 0


async def test_each_guild_is_handled_in_order_while_guilds_run_concurrently(maker: BusMaker) -> None:
    bus = await maker(prefetch=200)
    guilds = [guild_on_shard(0, 1, n) for n in range(5)]
    per_guild = 100
    seen: dict[str, list[int]] = defaultdict(list)
    running: dict[str, int] = defaultdict(int)
    overlap = {"guilds": 0, "same_guild": 0}
    rng = random.Random(7)

    async def handler(env: Envelope) -> None:
        running[env.guild_id] += 1
        overlap["same_guild"] = max(overlap["same_guild"], running[env.guild_id])
        overlap["guilds"] = max(overlap["guilds"], sum(1 for v in running.values() if v))
        await asyncio.sleep(rng.random() * 0.004)
        seen[env.guild_id].append(int(parse_as(env, MemberJoined).user_id) - BASE_USER)
        running[env.guild_id] -= 1

    await bus.consume_events(handler)

    async def produce(guild: int) -> None:
        for seq in range(per_guild):
            await bus.publish_event(joined(guild, user_id=BASE_USER, seq=seq))

    await asyncio.gather(*(produce(g) for g in guilds))
    await eventually(lambda: sum(map(len, seen.values())) == per_guild * len(guilds), within=20, what="all 500 events")
    for guild in guilds:
        assert seen[str(guild)] == list(range(per_guild)), f"guild {guild} out of order"
    assert overlap["same_guild"] == 1
    assert overlap["guilds"] > 1, "guilds never ran concurrently"


async def test_an_exact_duplicate_is_handled_once(maker: BusMaker) -> None:
    bus = await maker()
    calls = await handled_ids(bus)
    event = left(1)
    await bus.publish_event(event)
    await bus.publish_event(event)  # e.g. a publisher retry after a lost confirm
    marker = left(1)
    await bus.publish_event(marker)
    await eventually(lambda: marker.id in calls, what="the marker event")
    assert calls == [event.id, marker.id]
    assert bus.stats.duplicates == 1


async def test_live_notifications_reach_every_replica_in_order(maker: BusMaker) -> None:
    first = await maker()
    second = await maker.peer(first)
    got: dict[str, list[str]] = {"first": [], "second": []}

    async def on_first(env: Envelope) -> None:
        await asyncio.sleep(random.random() * 0.002)
        got["first"].append(env.id)

    async def on_second(env: Envelope) -> None:
        got["second"].append(env.id)

    await first.consume_live(on_first)
    await second.consume_live(on_second)
    notes = [
        Envelope.new(
            "live.queue_event",
            n % 3 + 1,
            LiveQueueEvent(
                event_type="APPLICATION_SUBMITTED",
                at=Envelope(type="a.b", guild_id=1).occurred_at,
                application_id=f"a{n}",
            ),
        )
        for n in range(60)
    ]
    for note in notes:
        await first.publish_live(note)
    ids = [n.id for n in notes]
    await eventually(lambda: got["first"] == ids and got["second"] == ids, what="every notification on both")


async def test_live_without_listeners_is_not_an_error(maker: BusMaker) -> None:
    bus = await maker()
    await bus.publish_live(
        Envelope.new("live.partner_join", 1, {"partnership_id": "p", "user_id": 2, "at": "2025-01-01T00:00:00Z"})
    )


async def test_events_are_shared_between_competing_consumers(maker: BusMaker) -> None:
    one = await maker(prefetch=10)
    two = await maker.peer(one, prefetch=10)
    handled: Counter[str] = Counter()
    by: Counter[str] = Counter()

    def handler_for(name: str):
        async def handler(env: Envelope) -> None:
            await asyncio.sleep(0.001)
            handled[env.id] += 1
            by[name] += 1

        return handler

    await one.consume_events(handler_for("one"))
    await two.consume_events(handler_for("two"))
    events = [joined(g) for g in range(1, 101)]
    await asyncio.gather(*(one.publish_event(e) for e in events))
    await eventually(lambda: len(handled) == 100, what="100 events")
    await asyncio.sleep(0.1)  # the point: no event comes a second time afterwards
    assert set(handled.values()) == {1}
    assert by["one"] > 0 and by["two"] > 0


async def test_close_lets_a_running_handler_finish(maker: BusMaker) -> None:
    bus = await maker()
    started, finished = asyncio.Event(), []

    async def handler(env: Envelope) -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.append(env.id)

    await bus.consume_events(handler)
    event = joined(1)
    await bus.publish_event(event)
    await asyncio.wait_for(started.wait(), 5)
    await bus.close()
    assert finished == [event.id]
    if maker.kind == "rabbit":
        # acked before the connection closed
        assert await depth(maker.url, event_queue_name(event_partition(event.guild_id))) == 0


async def test_publish_guards(maker: BusMaker) -> None:
    with pytest.raises(RuntimeError, match="start"):
        await make_bus(maker.url).publish_event(joined(1))
    bus = await maker()
    with pytest.raises(ValueError, match="command message"):
        await bus.publish_event(grant(1))
    with pytest.raises(ValueError, match="event message"):
        await bus.publish_command(joined(1), SHARDS)
    with pytest.raises(ValueError, match="not a registered"):
        await bus.publish_event(Envelope(type="made.up", guild_id=1))
    with pytest.raises(MalformedMessage, match="user_id"):
        await bus.publish_event(Envelope(type="member.left", guild_id=1, data={"left_at": "2025-01-01T00:00:00Z"}))
    assert isinstance(bus, Bus)
    await bus.close()
    with pytest.raises(RuntimeError, match="closed"):
        await bus.publish_event(joined(1))
