"""Health checks and reminders through the API: scheduled work sends `partner.check`, the facts that come
back open, close, remind and end; staff (log channel) and the representative (DM) are told; a partner
invite shared by two guilds is looked up once per cycle; a stale queue is announced once per interval."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from api.clock import utcnow
from api.container import Container
from api.domain.enums import HealthIssue, HealthStatus, PartnershipStatus
from api.domain.models import Partnership
from api.scheduled_jobs import build_scheduler
from api.scheduler import Scheduler
from api.services.partnerships import ManualPartner
from api.worker import EventWorker, start_worker
from tests.api.conftest import Commands, make_settings
from tests.api.factories import GUILD, completed, submitted

LOG_CHANNEL = 1900000000000000001
REVIEW_CHANNEL = 1900000000000000002
REVIEW_ROLE = 1900000000000000003
PARTNER = 1234500000000000000
REP = 1300000000000000077
OTHER_GUILD = 1100000000000004242


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch, container: Container) -> Clock:
    """One fake clock for the writer (when changes happen), the health service and the scheduler."""
    c = Clock()
    monkeypatch.setattr("api.services.writer.utcnow", c)
    container.health._clock = c
    return c


@pytest.fixture
def scheduler(container: Container, clock: Clock) -> Scheduler:
    return build_scheduler(container, clock)


async def configure(container: Container, guild_id: int = GUILD, **settings: Any) -> None:
    base = {"log_channel_id": LOG_CHANNEL, "review_channel_id": REVIEW_CHANNEL, "review_ping_role_id": REVIEW_ROLE}
    await container.guild_settings.update(guild_id, {**base, **settings})


async def partner_with(container: Container, guild_id: int = GUILD, invite: str = "chess") -> Partnership:
    manual = ManualPartner.parse(
        guild_id=guild_id, partner_guild_id=PARTNER, partner_name="Chess", invite_code=invite,
        representative_id=REP, advertisement="Play chess with us", member_count=500,
    )  # fmt: skip
    return await container.partnerships.create_manual(manual, actor=None)


def answer(p: Partnership, *, resolved: bool = True, guild_id: int = PARTNER, members: int = 500):
    result = {"resolved": resolved, "guild_id": str(guild_id) if resolved else None, "name": "Chess Club" if resolved else None,
              "icon_url": None, "member_count": members if resolved else None}  # fmt: skip
    return completed(p.guild_id, "partner.check", refs={"partnership_id": p.id}, result=result)


def told(commands: Commands, type_: str, since: int = 0) -> list[str]:
    return [c.data["content"] for c in commands.seen[since:] if c.type == type_]


async def test_a_due_check_asks_the_cluster_and_a_dead_invite_opens_a_problem_everyone_is_told_of(
    container: Container, commands: Commands, worker: EventWorker, clock: Clock, scheduler: Scheduler
) -> None:
    await configure(container, health_grace_hours=72)
    p = await partner_with(container)
    await commands.wait_for("partner.check")  # a manual partner's typed facts are checked at once
    await scheduler.run_due()
    assert len(commands.of("partner.check")) == 1  # the first recurring check is one cadence after the start
    clock.advance(hours=24)
    await scheduler.run_due()
    check = (await commands.wait_for("partner.check", 2))[1]
    assert (check.data["invite_code"], check.data["partnership_id"]) == ("chess", p.id)

    mark = len(commands.seen)
    await worker.handle(answer(p, resolved=False))
    stored = await container.partnership_repo.get(p.id)
    (problem,) = stored.health.problems
    assert problem.issue is HealthIssue.PARTNER_INVITE_INVALID
    assert problem.grace_ends_at == problem.since + timedelta(hours=72)
    assert stored.health.status(clock()) is HealthStatus.AT_RISK
    await commands.wait_for("dm.send", 1)
    (notice,) = [c for c in commands.seen[mark:] if c.type == "staff.notify"]
    assert notice.data["channel_id"] == str(LOG_CHANNEL) and notice.data["ping_role_id"] is None
    assert "no longer works" in notice.data["content"]
    assert any("no longer works" in text for text in told(commands, "dm.send", mark))

    await worker.handle(answer(p, members=480))  # the invite works again
    healed = await container.partnership_repo.get(p.id)
    assert healed.health.problems == ()
    assert (healed.partner.name, healed.partner.member_count) == ("Chess Club", 480)


async def test_a_member_count_below_the_minimum_is_a_problem_and_each_check_refreshes_the_count(
    container: Container, commands: Commands, worker: EventWorker, clock: Clock
) -> None:
    await configure(container, min_partner_member_count=100)
    p = await partner_with(container)
    await worker.handle(answer(p, members=40))
    stored = await container.partnership_repo.get(p.id)
    assert [x.issue for x in stored.health.problems] == [HealthIssue.BELOW_MIN_MEMBERS]
    assert stored.partner.member_count == 40


async def test_a_day_before_the_grace_ends_both_are_reminded_and_past_it_the_partnership_is_failing(
    container: Container, commands: Commands, worker: EventWorker, clock: Clock, scheduler: Scheduler
) -> None:
    await configure(container, health_grace_hours=72)
    p = await partner_with(container)
    await worker.handle(answer(p, resolved=False))
    await commands.wait_for("staff.notify", 1)  # the problem opened
    await commands.wait_for("dm.send", 1)
    mark = len(commands.seen)
    clock.advance(hours=47)
    await scheduler.run_due()
    assert told(commands, "staff.notify", mark) == []
    clock.advance(hours=1)
    await scheduler.run_due()
    await commands.wait_for("staff.notify", 2)
    await commands.wait_for("dm.send", 2)
    assert [t for t in told(commands, "staff.notify", mark) if t.startswith("Reminder")]
    assert [t for t in told(commands, "dm.send", mark) if t.startswith("Reminder")]
    clock.advance(hours=24)
    await scheduler.run_due()
    stored = await container.partnership_repo.get(p.id)
    assert stored.status is PartnershipStatus.ACTIVE
    assert stored.health.status(clock()) is HealthStatus.FAILING


async def test_with_auto_end_and_no_grace_the_first_failed_check_ends_it_with_a_reason_naming_the_problem(
    container: Container, commands: Commands, worker: EventWorker, clock: Clock
) -> None:
    await configure(container, health_grace_hours=0, auto_end_unhealthy=True)
    p = await partner_with(container)
    mark = len(commands.seen)
    await worker.handle(answer(p, guild_id=PARTNER + 1))
    await commands.wait_for("staff.notify", 1)
    await commands.wait_for("dm.send", 1)
    ended = await container.partnership_repo.get(p.id)
    assert ended.status is PartnershipStatus.ENDED
    assert "PARTNER_SERVER_GONE" in ended.end_reason
    ledger = await container.writer.load(GUILD)
    assert p.id not in ledger.active
    assert any("has ended" in t and "PARTNER_SERVER_GONE" in t for t in told(commands, "dm.send", mark))
    assert any("has ended" in t for t in told(commands, "staff.notify", mark))


async def test_staff_ending_a_partnership_tells_the_representative_with_the_reason(
    container: Container, commands: Commands
) -> None:
    p = await partner_with(container)
    mark = len(commands.seen)
    await container.partnerships.end(p, "We are closing our partner program", actor=7)
    await commands.wait_for("dm.send", 1)
    (dm,) = [c for c in commands.seen[mark:] if c.type == "dm.send"]
    assert dm.data["user_id"] == str(REP)
    assert "We are closing our partner program" in dm.data["content"]


async def test_a_partner_invite_shared_by_two_guilds_is_looked_up_once_per_cycle(
    container: Container, commands: Commands, worker: EventWorker, clock: Clock, scheduler: Scheduler
) -> None:
    first = await partner_with(container, GUILD, invite="popular")
    second = await partner_with(container, OTHER_GUILD, invite="popular")
    created = len(await commands.wait_for("partner.check", 2))  # each manual partner checked once when added
    clock.advance(hours=24)
    await scheduler.run_due()
    check = (await commands.wait_for("partner.check", created + 1))[created]
    await worker.handle(answer(first if check.data["partnership_id"] == first.id else second, members=9000))
    for p in (first, second):
        stored = await container.partnership_repo.get(p.id)
        assert stored.health.last_checked_at is not None and stored.partner.member_count == 9000
    assert len(commands.of("partner.check")) == created + 1
    assert container.health.invites.saved == 1
    clock.advance(hours=24)  # next cycle: asked again, once
    await scheduler.run_due()
    await commands.wait_for("partner.check", created + 2)
    assert len(commands.of("partner.check")) == created + 2


async def test_a_stale_queue_is_announced_once_per_interval_pinging_only_the_review_role(
    container: Container, commands: Commands, worker: EventWorker, clock: Clock, scheduler: Scheduler
) -> None:
    await configure(container, stale_queue_hours=48)
    await worker.handle(submitted(GUILD))
    await worker.handle(submitted(GUILD))
    clock.advance(hours=47)
    await scheduler.run_due()
    assert commands.of("staff.notify") == []
    clock.advance(hours=2)
    await scheduler.run_due()
    (notice,) = await commands.wait_for("staff.notify")
    assert notice.data["ping_role_id"] == str(REVIEW_ROLE) and notice.data["channel_id"] == str(LOG_CHANNEL)
    assert notice.data["content"].startswith("2 partnership applications")
    await worker.handle(submitted(GUILD))
    clock.advance(hours=47)
    await scheduler.run_due()
    assert len(commands.of("staff.notify")) == 1  # at most once per staleQueueHours
    clock.advance(hours=1)
    await scheduler.run_due()
    await commands.wait_for("staff.notify", 2)


CHECK_NOW = (
    """mutation($id: ID!) { checkPartnershipHealth(id: $id) { partnership { id } userErrors { code field } } }"""
)
HEALTH = """query($id: ID!) { node(id: $id) { ... on Partnership {
  partner { name memberCount } health { status lastCheckedAt problems { issue message since graceEndsAt } } } } }"""
CREATE = """mutation($input: CreatePartnershipInput!) { createPartnership(input: $input) { partnership { id } } }"""


async def test_staff_ask_for_a_check_now_and_see_the_problem_in_health(api, container, commands, worker) -> None:
    await configure(container, health_grace_hours=72)
    created = await api.data(CREATE, {"input": {
        "guildId": str(GUILD), "partnerGuildId": str(PARTNER), "partnerName": "Chess", "inviteCode": "chess",
        "representativeId": str(REP), "advertisement": "Play chess with us", "memberCount": 500}})  # fmt: skip
    node_id = created["createPartnership"]["partnership"]["id"]
    fine = (await api.data(HEALTH, {"id": node_id}))["node"]["health"]
    assert fine == {"status": "OK", "lastCheckedAt": None, "problems": []}

    await commands.wait_for("partner.check")  # the check of a manual partner when it is added (unanswered)
    asked = (await api.data(CHECK_NOW, {"id": node_id}))["checkPartnershipHealth"]
    assert asked["userErrors"] == []
    check = (await commands.wait_for("partner.check", 2))[1]
    p = await container.partnership_repo.get(check.data["partnership_id"])
    await worker.handle(answer(p, resolved=False))
    seen = (await api.data(HEALTH, {"id": node_id}))["node"]["health"]
    assert seen["status"] == "AT_RISK" and seen["lastCheckedAt"] is not None
    assert [x["issue"] for x in seen["problems"]] == ["PARTNER_INVITE_INVALID"]

    viewer = await api.post(CHECK_NOW, {"id": node_id}, token=api.viewer())
    assert viewer.get("errors") or viewer["data"]["checkPartnershipHealth"]["userErrors"]
    assert len(commands.of("partner.check")) == 2  # a viewer cannot make the bot ask Discord


async def test_a_check_scheduled_before_a_restart_runs_in_the_next_api_process(mongo_server, mongo_db_name) -> None:
    """Stop the API, start another on the same database: the due check is still there and runs."""
    settings = make_settings(
        mongodb_url=mongo_server.url, mongodb_database=mongo_db_name,
        health_check_hours=0.0005, scheduler_poll_seconds=0.05,
    )  # fmt: skip
    first = await Container.open(settings)
    try:
        p = await partner_with(first)
        # The partner.check sent when it was added went out from this process: what the next one sends
        # can only be the scheduled check.
        assert await first.ledgers.guilds_with_unfinished_work() == []
    finally:
        await first.close()  # stopped before the check was due; no scheduler ever ran in it

    second = await Container.open(settings)
    try:
        collected = Commands()
        await second.bus.consume_commands(range(settings.shard_count), collected.handle)
        await start_worker(second)  # the event worker, the journal relay and the scheduler
        (check,) = await collected.wait_for("partner.check", timeout=30)
        assert check.data["partnership_id"] == p.id
    finally:
        await second.close()
