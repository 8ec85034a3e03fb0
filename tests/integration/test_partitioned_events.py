"""Events partitioned by guild across two worker processes under load: each guild's join and leave
are handled in order (one consumer at a time per partition), and killing a worker loses nothing."""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import UTC, datetime, timedelta

import aio_pika
import pytest

from api.services.partnerships import ManualPartner
from bus import make_bus
from bus.topology import EVENT_PARTITIONS, event_partition, event_queue_name
from tests.api.factories import joined, left

MEMBERS = 150  # per guild: a join then its leave, 2 events each


def _guilds() -> list[int]:
    """One guild per partition, so both workers have guilds to handle."""
    found: dict[int, int] = {}
    candidate = 1100000000000000000
    while len(found) < EVENT_PARTITIONS:
        found.setdefault(event_partition(candidate), candidate)
        candidate += 4194304 * 7
    return sorted(found.values())


async def _consumers(url: str) -> list[int]:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        counts = []
        for partition in range(EVENT_PARTITIONS):
            queue = await channel.declare_queue(event_queue_name(partition), passive=True)
            counts.append(queue.declaration_result.consumer_count)
        return counts


async def _wait(check, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


@pytest.mark.timeout(400)
async def test_two_workers_keep_each_guilds_order_and_lose_nothing_when_one_is_killed(
    open_container, shared_settings, worker_process
):
    url = shared_settings.rabbitmq_url.get_secret_value()
    container = await open_container()
    guilds = _guilds()
    partnerships = {}
    for n, guild in enumerate(guilds):
        p = await container.partnerships.create_manual(
            ManualPartner.parse(guild_id=str(guild), partner_guild_id=str(1234500000000000000 + n),
                                 partner_name=f"P{n}", invite_code=f"inv{n}",
                                 representative_id="1300000000000000001", advertisement="ad"),
            actor=1,
        )  # fmt: skip
        await container.partnerships.tracked_invite_created(p.id, f"trk{n}")
        partnerships[guild] = p.id

    first = worker_process()
    await _wait(lambda: _some_consumed(url), 60, "the first worker to consume")
    second = worker_process()
    # The broker counts only the active consumer of a single-active-consumer queue: give the second
    # worker time to start and subscribe (it takes the standby places a second after its start).
    await asyncio.sleep(8)

    # Each member leaves an hour after joining (not a quick leave): handled in the wrong order, the
    # leave would find no join and the member would stay counted as present.
    start = datetime.now(UTC) - timedelta(days=1)
    events = []
    for m in range(MEMBERS):
        for n, guild in enumerate(guilds):
            user = 2_000_000_000_000_000_000 + m
            at = start + timedelta(seconds=m)
            events.append(joined(guild, f"trk{n}", user_id=user, joined_at=at))
            events.append(left(guild, user, at + timedelta(hours=1)))

    publisher = make_bus(url, publish_timeout=60)
    await publisher.start()

    async def publish() -> None:
        for begin in range(0, len(events), 100):
            await asyncio.gather(*(publisher.publish_event(e) for e in events[begin : begin + 100]))

    async def handled() -> int:
        return await container.database.processed.count_documents({})

    try:
        publishing = asyncio.create_task(publish())
        await _wait(lambda: _at_least(handled, len(events) // 4), 120, "a quarter of the events handled")
        first.send_signal(signal.SIGKILL)  # mid-stream: its unacked events go to the standby worker
        first.wait(10)
        await publishing
        # Every join stored, then until nothing more is handled (a leave handled before its join is
        # skipped, so with the order broken `handled` would stop short: the asserts below say how).
        joins = len(events) // 2
        await _wait(lambda: _at_least(container.database.joins.count_documents, joins, {}), 240, "every join")
        await _settled(handled, len(events), within=120)
    finally:
        await publisher.close()

    for guild in guilds:
        record = await container.partnership_repo.get(partnerships[guild])
        assert (record.join_count, record.retained_count, record.fake_count) == (MEMBERS, 0, 0), guild
        assert await container.database.joins.count_documents({"guild_id": str(guild), "left_at": None}) == 0
    assert await handled() == len(events)
    assert second.poll() is None


async def _at_least(count, n: int, *args) -> bool:
    return await count(*args) >= n


async def _settled(count, target: int, within: float) -> None:
    """Until `count` reaches target, or stays the same for 3 s (then the asserts tell what is off)."""
    deadline, last, still = time.monotonic() + within, -1, 0
    while time.monotonic() < deadline:
        now = await count()
        if now >= target:
            return
        still = still + 1 if now == last else 0
        if still >= 15:
            return
        last = now
        await asyncio.sleep(0.2)


async def _some_consumed(url: str) -> bool:
    return sum(await _consumers(url)) > 0
