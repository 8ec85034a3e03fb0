"""The representative's one DM when a bump becomes possible: scheduled at each landed post's next bump
time, sent once per interval with a "Stop these reminders" button, never to an ended partnership or to a
representative who turned them off, moved by a bump or a new bump interval, still owed after an API restart,
and owed to ads that were up before the reminders shipped (the backfill at worker start)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from api.clock import utcnow
from api.container import Container
from api.domain.models import Partnership
from api.scheduled_jobs import build_scheduler
from api.scheduler import Scheduler
from api.services.bump_ready_backfill import MARKER, backfill_bump_ready
from api.services.bump_reminders import BUMP_READY
from api.worker import EventWorker, start_worker
from bus import Envelope
from tests.api.conftest import Commands, make_settings
from tests.api.factories import GUILD, completed, next_user_id
from tests.api.test_health_checks import Clock
from tests.api.test_representatives import answer_to, manual_partner, request

SHOWCASE_CHANNEL = 1500000000000000001
INTERVAL = timedelta(days=3)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """One fake clock for the writer (when posts land and DMs are decided) and the scheduler."""
    c = Clock()
    monkeypatch.setattr("api.services.writer.utcnow", c)
    return c


@pytest.fixture
def scheduler(container: Container, clock: Clock) -> Scheduler:
    return build_scheduler(container, clock)


async def showcased(
    container: Container, worker: EventWorker, clock: Clock, rep: int, name="Chess Club"
) -> Partnership:
    """An ACTIVE partnership whose ad landed in the showcase at the clock's now, in a guild named Home Base."""
    await container.guild_settings.update(GUILD, {"showcase_channel_id": SHOWCASE_CHANNEL, "bump_interval_days": 3})
    await worker.handle(Envelope.new("guild.directory", GUILD, {"revision": 1, "name": "Home Base"}))
    p = await manual_partner(container, rep, name)
    await worker.handle(landed(p, clock))
    return p


def landed(p: Partnership, clock: Clock) -> Envelope:
    result = {"channel_id": str(SHOWCASE_CHANNEL), "message_id": str(next_user_id())}
    posted = completed(GUILD, "showcase.post", refs={"partnership_id": p.id}, result=result)
    return posted.model_copy(update={"occurred_at": clock.now})


def reminders(commands: Commands, rep: int | None = None) -> list[Envelope]:
    return [
        dm
        for dm in commands.of("dm.send")
        if dm.data.get("button") == "STOP_BUMP_REMINDERS" and rep in (None, int(dm.data["user_id"]))
    ]


async def reminded(commands: Commands, count: int = 1, timeout: float = 5.0) -> list[Envelope]:
    """The reminder DMs sent so far, once there are `count`."""
    async with asyncio.timeout(timeout):
        while len(reminders(commands)) < count:
            await asyncio.sleep(0.01)
    return reminders(commands)


async def settled() -> None:
    """Before asserting that nothing was sent: what was sent has had time to arrive."""
    await asyncio.sleep(0.1)


def stop_click(user: int) -> Envelope:
    return request("bump_reminders_off", user)


async def test_one_dm_at_next_bump_at_names_the_server_and_carries_the_stop_button(
    container: Container, worker: EventWorker, commands: Commands, clock: Clock, scheduler: Scheduler
) -> None:
    rep = next_user_id()
    p = await showcased(container, worker, clock, rep)
    clock.advance(days=3, minutes=-1)
    await scheduler.run_due()
    await settled()
    assert reminders(commands) == []  # not possible yet

    clock.advance(minutes=2)
    await scheduler.run_due()
    (dm,) = await reminded(commands)
    assert dm.data["user_id"] == str(rep) and dm.data["refs"]["partnership_id"] == p.id
    content = dm.data["content"]
    assert "**Chess Club**" in content and "`/ppartner bump` in **Home Base**" in content
    assert str(GUILD) not in content  # the server by name, never its id

    # Run again (a lease taken over, a crash before it was marked done): the same interval is told once.
    clock.advance(days=1)
    await scheduler.run_due()
    assert await container.scheduled.get(BUMP_READY, p.id) is None  # finished
    await container.scheduled.schedule(BUMP_READY, p.id, clock.now, guild_id=GUILD)
    await scheduler.run_due()
    await settled()
    assert len(reminders(commands)) == 1


async def test_a_bump_moves_the_reminder_to_the_next_interval(
    container: Container, worker: EventWorker, commands: Commands, clock: Clock, scheduler: Scheduler
) -> None:
    rep = next_user_id()
    p = await showcased(container, worker, clock, rep)
    clock.advance(days=3, minutes=1)
    await scheduler.run_due()
    await reminded(commands)

    bump = request("bump", rep)
    await worker.handle(bump)
    assert (await answer_to(commands, bump)).startswith("Your ad for **Chess Club** is being re-posted")
    clock.advance(minutes=1)
    await worker.handle(landed(p, clock))  # the re-post landed: a new interval starts
    assert (await container.scheduled.get(BUMP_READY, p.id))["due_at"] == clock.now + INTERVAL

    clock.advance(days=3, minutes=-1)
    await scheduler.run_due()
    await settled()
    assert len(reminders(commands)) == 1
    clock.advance(minutes=2)
    await scheduler.run_due()
    assert len(await reminded(commands, 2)) == 2


async def test_a_shorter_bump_interval_brings_the_dm_forward(
    container: Container, worker: EventWorker, commands: Commands, clock: Clock, scheduler: Scheduler
) -> None:
    rep = next_user_id()
    p = await showcased(container, worker, clock, rep)  # every 3 days
    posted_at = clock.now
    clock.advance(days=1)
    await container.guild_settings.update(GUILD, {"bump_interval_days": 2})

    clock.advance(days=1, minutes=-1)
    await scheduler.run_due()
    await settled()
    assert reminders(commands) == []  # not possible yet
    clock.advance(minutes=2)  # two days after the post, not three
    await scheduler.run_due()
    (dm,) = await reminded(commands)
    assert dm.data["refs"]["partnership_id"] == p.id
    assert clock.now - posted_at < INTERVAL


async def test_a_longer_bump_interval_moves_the_dm_later(
    container: Container, worker: EventWorker, commands: Commands, clock: Clock, scheduler: Scheduler
) -> None:
    p = await showcased(container, worker, clock, next_user_id())  # every 3 days
    posted_at = clock.now
    clock.advance(days=1)
    await container.guild_settings.update(GUILD, {"bump_interval_days": 5})
    assert (await container.scheduled.get(BUMP_READY, p.id))["due_at"] == posted_at + timedelta(days=5)

    clock.advance(days=2, minutes=1)  # when the old interval ended
    await scheduler.run_due()
    await settled()
    assert reminders(commands) == []
    clock.advance(days=2)  # five days after the post
    await scheduler.run_due()
    assert len(await reminded(commands)) == 1


async def test_no_dm_once_the_partnership_ended(
    container: Container, worker: EventWorker, commands: Commands, clock: Clock, scheduler: Scheduler
) -> None:
    p = await showcased(container, worker, clock, next_user_id())
    await container.partnerships.end(p, "over")
    clock.advance(days=3, minutes=1)
    await scheduler.run_due()
    await settled()
    assert reminders(commands) == []
    assert await container.scheduled.get(BUMP_READY, p.id) is None  # finished, not retried


async def test_stop_these_reminders_turns_them_off_for_that_representative_only(
    container: Container, worker: EventWorker, commands: Commands, clock: Clock, scheduler: Scheduler
) -> None:
    rep, other = next_user_id(), next_user_id()
    await showcased(container, worker, clock, rep, "Chess Club")
    await showcased(container, worker, clock, other, "Go Club")

    click = stop_click(rep)
    await worker.handle(click)
    assert await answer_to(commands, click) == "You won't get these reminders from **Home Base** any more."
    again = stop_click(rep)  # a second click: answered the same, stored once
    await worker.handle(again)
    assert await answer_to(commands, again) == "You won't get these reminders from **Home Base** any more."
    assert await container.database.db["bump_reminders_off"].count_documents({}) == 1

    clock.advance(days=3, minutes=1)
    await scheduler.run_due()
    (dm,) = await reminded(commands)
    assert dm.data["user_id"] == str(other) and "**Go Club**" in dm.data["content"]
    await settled()
    assert reminders(commands, rep) == []


async def backfill(container: Container) -> int:
    return await backfill_bump_ready(container.database, container.ledgers, container.scheduled)


async def test_an_ad_up_before_the_reminders_shipped_gets_one_from_the_backfill_once(
    container: Container, worker: EventWorker, commands: Commands, clock: Clock, scheduler: Scheduler
) -> None:
    rep = next_user_id()
    before = await showcased(container, worker, clock, rep, "Chess Club")
    await container.scheduled.cancel(BUMP_READY, before.id)  # posted before bump.ready existed: no work
    clock.advance(hours=1)
    since = await showcased(container, worker, clock, next_user_id(), "Go Club")
    unposted = await manual_partner(container, next_user_id(), "Art Hub")

    assert await backfill(container) == 1  # only the one lacking it
    assert (await container.scheduled.get(BUMP_READY, before.id))["due_at"] == clock.now - timedelta(hours=1) + INTERVAL
    assert (await container.scheduled.get(BUMP_READY, since.id))["due_at"] == clock.now + INTERVAL  # untouched
    assert await container.scheduled.get(BUMP_READY, unposted.id) is None  # no ad up yet: its post schedules it

    clock.advance(days=3, minutes=1)
    await scheduler.run_due()
    dms = await reminded(commands, 2)
    assert sorted(dm.data["refs"]["partnership_id"] for dm in dms) == sorted([before.id, since.id])

    assert await backfill(container) == 0  # the next start: done already
    await container.database.migrations.delete_one({"_id": MARKER})  # a crash before it was marked done
    assert await backfill(container) == 2  # their work is finished: scheduled again...
    await scheduler.run_due()
    await settled()
    assert len(reminders(commands)) == 2  # ...and told nothing twice


async def test_the_backfill_resumes_after_the_last_guild_it_finished(
    container: Container, worker: EventWorker, clock: Clock
) -> None:
    p = await showcased(container, worker, clock, next_user_id())
    await container.scheduled.cancel(BUMP_READY, p.id)
    await container.database.migrations.insert_one({"_id": MARKER, "after": str(GUILD)})  # stopped after it
    assert await backfill(container) == 0
    assert await container.scheduled.get(BUMP_READY, p.id) is None


async def test_the_worker_runs_the_backfill_when_it_starts(
    container: Container, worker: EventWorker, clock: Clock
) -> None:
    p = await showcased(container, worker, clock, next_user_id())
    await container.scheduled.cancel(BUMP_READY, p.id)
    await start_worker(container)
    async with asyncio.timeout(5):
        while await container.scheduled.get(BUMP_READY, p.id) is None:
            await asyncio.sleep(0.01)
    assert (await container.scheduled.get(BUMP_READY, p.id))["due_at"] == clock.now + INTERVAL


async def test_the_reminder_scheduled_before_a_restart_is_sent_by_the_next_api_process(
    mongo_server, mongo_db_name
) -> None:
    """Stop the API before the reminder is due, start another on the same database: the DM still goes."""
    settings = make_settings(mongodb_url=mongo_server.url, mongodb_database=mongo_db_name, scheduler_poll_seconds=0.05)
    rep = next_user_id()
    first = await Container.open(settings)
    try:
        await first.guild_settings.update(GUILD, {"showcase_channel_id": SHOWCASE_CHANNEL, "bump_interval_days": 1})
        p = await manual_partner(first, rep)
        posted = completed(GUILD, "showcase.post", refs={"partnership_id": p.id}, result={"message_id": "5"})
        # Posted a day ago less two seconds: the reminder falls due two seconds from now.
        await EventWorker(first).handle(
            posted.model_copy(update={"occurred_at": utcnow() - timedelta(days=1, seconds=-2)})
        )
        assert await first.ledgers.guilds_with_unfinished_work() == []
    finally:
        await first.close()  # no scheduler ever ran in it

    second = await Container.open(settings)
    try:
        collected = Commands()
        await second.bus.consume_commands(range(settings.shard_count), collected.handle)
        await start_worker(second)  # the event worker, the journal relay and the scheduler
        (dm,) = await reminded(collected, timeout=30)
        assert dm.data["user_id"] == str(rep) and dm.data["refs"]["partnership_id"] == p.id
    finally:
        await second.close()
