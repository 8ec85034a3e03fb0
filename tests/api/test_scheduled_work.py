"""Scheduled work (MongoDB and its in-memory twin): due pieces run once, across replicas; a lost lease is taken over; a budget stretches
the cadence instead of bursting; a failing piece is retried later, never lost."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.scheduler import Budget, Scheduler
from api.store import open_database
from api.store.scheduled import ScheduledWork
from api.store.scheduled_memory import MemoryScheduledWork

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self, now: datetime = T0):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(params=["mongo", "memory"])
async def work(request) -> ScheduledWork:
    """The MongoDB store (on mongomock) and its in-memory twin pass the same tests."""
    if request.param == "memory":
        return MemoryScheduledWork()
    database = open_database("", "scheduled")
    work = ScheduledWork(database)
    await work.ensure_indexes()
    return work


async def test_a_piece_is_claimed_when_due_and_not_before(work: ScheduledWork) -> None:
    await work.schedule("check", "p1", T0 + timedelta(hours=1), guild_id=7, payload={"partnership_id": "p1"})
    assert await work.claim("check", T0, timedelta(minutes=5)) is None
    claim = await work.claim("check", T0 + timedelta(hours=1), timedelta(minutes=5))
    assert claim is not None
    assert (claim.key, claim.guild_id, claim.payload, claim.attempts) == ("p1", 7, {"partnership_id": "p1"}, 1)
    assert await work.done(claim)
    assert await work.get("check", "p1") is None


async def test_scheduling_the_same_thing_again_moves_it_instead_of_doubling_it(work: ScheduledWork) -> None:
    await work.schedule("check", "p1", T0 + timedelta(hours=2))
    await work.schedule("check", "p1", T0 + timedelta(hours=1))
    await work.schedule("check", "p1", T0 + timedelta(hours=3), keep_earlier=True)
    assert (await work.get("check", "p1"))["due_at"] == T0 + timedelta(hours=1)
    first = await work.claim("check", T0 + timedelta(hours=1), timedelta(minutes=5))
    assert first is not None
    assert await work.claim("check", T0 + timedelta(hours=1), timedelta(minutes=5)) is None


async def test_present_names_the_keys_with_work_of_that_kind_whether_due_held_or_later(work: ScheduledWork) -> None:
    await work.schedule("check", "held", T0)
    await work.schedule("check", "due", T0 + timedelta(minutes=1))
    await work.schedule("check", "later", T0 + timedelta(days=1))
    await work.schedule("other", "elsewhere", T0)
    claim = await work.claim("check", T0, timedelta(minutes=5))
    assert claim is not None and claim.key == "held"
    present = await work.present("check", ["due", "later", "held", "elsewhere", "none"])
    assert present == {"due", "later", "held"}
    assert await work.done(claim)
    assert await work.present("check", [claim.key]) == set()


async def test_a_lease_that_runs_out_is_taken_over_and_the_old_holder_cannot_finish(work: ScheduledWork) -> None:
    await work.schedule("check", "p1", T0)
    dead = await work.claim("check", T0, timedelta(minutes=1))
    assert dead is not None
    assert await work.claim("check", T0 + timedelta(seconds=30), timedelta(minutes=1)) is None
    taken = await work.claim("check", T0 + timedelta(seconds=61), timedelta(minutes=1))
    assert taken is not None and taken.attempts == 2
    assert not await work.done(dead)
    assert not await work.again_at(dead, T0 + timedelta(days=1))
    assert await work.done(taken)


async def test_recurring_work_comes_back_at_its_next_due_time(work: ScheduledWork) -> None:
    clock = FakeClock()
    seen: list[datetime] = []

    async def check(claim, now):
        seen.append(now)
        return now + timedelta(hours=24)

    await work.schedule("check", "p1", T0)
    scheduler = Scheduler(work, {"check": check}, clock)
    for _ in range(3):
        await scheduler.run_due()
        clock.advance(hours=12)
    assert seen == [T0, T0 + timedelta(hours=24)]


async def test_rescheduled_while_running_keeps_the_new_due_time(work: ScheduledWork) -> None:
    await work.schedule("check", "p1", T0)
    claim = await work.claim("check", T0, timedelta(minutes=5))
    await work.schedule("check", "p1", T0 + timedelta(minutes=10))  # e.g. staff asked for a check now-ish
    assert await work.again_at(claim, T0 + timedelta(hours=24))
    stored = await work.get("check", "p1")
    assert stored["due_at"] == T0 + timedelta(minutes=10)
    assert stored["lease"] is None


async def test_a_failing_piece_is_retried_later_with_a_growing_delay(work: ScheduledWork) -> None:
    clock = FakeClock()
    calls: list[datetime] = []

    async def flaky(claim, now):
        calls.append(now)
        if len(calls) < 3:
            raise RuntimeError("Discord is down")
        return None

    await work.schedule("remind", "g1", T0)
    scheduler = Scheduler(work, {"remind": flaky}, clock)
    for _ in range(10):
        await scheduler.run_due()
        clock.advance(seconds=30)
    assert calls == [T0, T0 + timedelta(seconds=30), T0 + timedelta(seconds=90)]
    assert await work.get("remind", "g1") is None


async def test_a_budget_stretches_the_cadence_evenly_instead_of_bursting(work: ScheduledWork) -> None:
    clock = FakeClock()
    ran: list[tuple[str, datetime]] = []

    async def check(claim, now):
        ran.append((claim.key, now))
        return None

    for n in range(10):
        await work.schedule("check", f"p{n}", T0)
    scheduler = Scheduler(work, {"check": check}, clock, budgets={"check": Budget(rate=1.0, burst=2.0)})
    for _ in range(12):
        await scheduler.run_due()
        clock.advance(seconds=1)
    per_second = Counter(now for _, now in ran)
    assert len(ran) == 10
    assert max(per_second.values()) <= 2  # the burst, once
    assert sorted(key for key, _ in ran) == sorted(f"p{n}" for n in range(10))
    assert await work.backlog("check", clock()) == 0


async def test_two_replicas_on_one_database_run_each_due_piece_exactly_once(mongo_server, mongo_db_name) -> None:
    databases = [open_database(mongo_server.url, mongo_db_name) for _ in range(2)]
    works = [ScheduledWork(db) for db in databases]
    await works[0].ensure_indexes()
    ran: Counter[str] = Counter()

    async def check(claim, now):
        ran[claim.key] += 1
        await asyncio.sleep(0.001)
        return None

    for n in range(60):
        await works[0].schedule("check", f"p{n}", T0 - timedelta(minutes=n % 7))
    clock = FakeClock()
    schedulers = [Scheduler(w, {"check": check}, clock, batch=5, owner=f"r{i}") for i, w in enumerate(works)]

    async def drain(scheduler: Scheduler) -> None:
        while (await scheduler.run_due()).ran:
            pass

    try:
        await asyncio.gather(*(drain(s) for s in schedulers))
        assert ran == Counter({f"p{n}": 1 for n in range(60)})
        assert await works[1].backlog("check", clock()) == 0
    finally:
        for db in databases:
            db.close()


REPLICA = """
import asyncio, sys
from datetime import UTC, datetime, timedelta
from api.scheduler import Scheduler
from api.store import open_database
from api.store.scheduled import ScheduledWork

async def main(url, name):
    db = open_database(url, name)

    async def hang(claim, now):
        await db.db["markers"].insert_one({"_id": "claimed", "key": claim.key})
        await asyncio.Event().wait()  # mid-work when it is killed

    scheduler = Scheduler(ScheduledWork(db), {"check": hang}, lambda: datetime.now(UTC), lease=timedelta(seconds=2))
    await scheduler.run_due()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_a_sigkilled_replica_s_lease_is_taken_over_and_the_piece_runs_once_more(
    mongo_server, mongo_db_name
) -> None:
    database = open_database(mongo_server.url, mongo_db_name)
    work = ScheduledWork(database)
    await work.ensure_indexes()
    await work.schedule("check", "p1", datetime.now(UTC) - timedelta(seconds=1))
    replica = await asyncio.create_subprocess_exec(
        sys.executable, "-c", REPLICA, mongo_server.url, mongo_db_name, cwd=ROOT
    )
    try:
        async with asyncio.timeout(60):
            while await database.db["markers"].find_one({"_id": "claimed"}) is None:
                assert replica.returncode is None, "the replica exited before claiming"
                await asyncio.sleep(0.05)
        replica.send_signal(signal.SIGKILL)  # kill -9 mid-work: it never finishes nor releases
        await replica.wait()
        ran: list[int] = []

        async def check(claim, now):
            ran.append(claim.attempts)
            return None

        survivor = Scheduler(work, {"check": check}, lambda: datetime.now(UTC), lease=timedelta(seconds=2))
        held = await work.get("check", "p1")
        assert held["lease"] is not None and held["attempts"] == 1  # the dead replica's claim, never finished
        async with asyncio.timeout(60):
            while not ran:
                await survivor.run_due()
                await asyncio.sleep(0.1)
        assert ran == [2]  # taken over once the lease ran out: the second attempt, by the survivor
        assert await work.get("check", "p1") is None
    finally:
        if replica.returncode is None:
            replica.kill()
            await replica.wait()
        database.close()
