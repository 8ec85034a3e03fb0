"""Builders of realistic messages and small waiting helpers for the bus tests."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from bus import Envelope
from bus.contracts import MemberJoined, MemberLeft, RoleGrant
from tests.support.broker import arabbitmqctl, vhost_of

DISCORD_EPOCH_MS = 1420070400000


def guild_on_shard(shard: int, shard_count: int, nth: int = 0) -> int:
    """A realistic guild id that lands on the given shard: (id >> 22) % shard_count == shard."""
    timestamp = 600_000_000_000 + nth * shard_count  # ms since the Discord epoch, around 2020
    timestamp += (shard - timestamp) % shard_count
    return (timestamp << 22) | (nth & 0x3FFFFF)


def joined(guild_id: int | str, user_id: int = 80351110224678912, seq: int = 0) -> Envelope:
    now = datetime.now(UTC)
    data = MemberJoined(
        user_id=user_id + seq,
        invite_code="abc",
        join_type="INVITE",
        candidates=["abc"],
        joined_at=now,
        account_created_at=datetime(2016, 1, 1, tzinfo=UTC),
        bot=False,
    )
    return Envelope.new("member.joined", guild_id, data)


def left(guild_id: int | str, user_id: int = 80351110224678912) -> Envelope:
    return Envelope.new("member.left", guild_id, MemberLeft(user_id=user_id, left_at=datetime.now(UTC)))


def grant(guild_id: int | str, user_id: int = 80351110224678912) -> Envelope:
    return Envelope.new("role.grant", guild_id, RoleGrant(user_id=user_id, role_id=1234567890123456789))


async def eventually(check: Callable[[], bool], within: float = 10.0, what: str = "condition") -> None:
    """Wait until check() holds; fail naming what after `within` seconds."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.01)


async def publish_across_a_connection_loss(cluster, handled: Counter[str], broker_url: str) -> list[Envelope]:
    """Publishes 1000 events from `cluster` while the consumer counts each handled id in `handled`, and
    cuts every connection of this session's vhost once 300 are handled, with the producer still going;
    returns the events once each has been handled."""
    events = [joined(guild_on_shard(0, 1, n % 20), seq=n) for n in range(1000)]

    async def produce() -> None:
        # 20 batches of 50 concurrent publishes, paced so the fault lands mid-stream.
        for start in range(0, len(events), 50):
            await asyncio.gather(*(cluster.publish_event(e) for e in events[start : start + 50]))
            await asyncio.sleep(0.1)

    producer = asyncio.create_task(produce())
    await eventually(lambda: len(handled) >= 300, what="300 events before the fault")
    assert not producer.done(), "the producer finished before the fault"
    # Only this session's vhost: other people's connections to the broker stay up.
    await arabbitmqctl("close_all_connections", "--vhost", vhost_of(broker_url), "bus test: connection loss")
    await asyncio.wait_for(producer, 30)
    await eventually(lambda: len(handled) == len(events), within=30, what="every event after the reconnect")
    return events
