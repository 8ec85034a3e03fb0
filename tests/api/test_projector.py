"""Each record change, projected and applied, is what the repositories then read; applying the
journal again (a replay after a crash) changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.domain import records
from api.domain.enums import ApplicationSource, ApplicationStatus, HealthIssue, PartnershipStatus
from api.domain.models import (
    AdProposal,
    Application,
    Health,
    HealthProblem,
    PartnerServer,
    Problem,
    ShowcasePlacement,
    partnership_from,
)
from api.store import open_database
from api.store.applications import ApplicationRepository
from api.store.audit import AuditRepository
from api.store.blacklist import BlacklistRepository
from api.store.mutual_links import MutualLinkRepository
from api.store.partnerships import PartnershipRepository
from api.store.projector import Projector, encode
from api.store.scheduled_memory import MemoryScheduledWork
from api.store.warnings import WarningRepository

GUILD, PARTNER = 1100000000000000000, 1234500000000000000
T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
def database():
    db = open_database("", "projector")
    yield db
    db.close()


def _application() -> Application:
    partner = PartnerServer(PARTNER, "Chess", None, 120, "chess")
    return Application("app1", GUILD, partner, 7, "ad", ApplicationSource.SLASH, ApplicationStatus.PENDING, T0)


async def _apply_twice(projector: Projector, *changes: records.RecordChange) -> None:
    items = [encode(c) for c in changes]
    for _ in range(2):
        for item in items:
            await projector.apply(item)


async def test_an_application_recorded_then_approved_starts_a_partnership(database):
    apps, partnerships, projector = (
        ApplicationRepository(database),
        PartnershipRepository(database),
        Projector(database),
    )
    app = _application()
    partnership = partnership_from(app, "p1", T0)
    await _apply_twice(
        projector,
        records.ApplicationRecorded(app),
        records.PartnershipStarted(partnership),
        records.ApplicationDecided("app1", ApplicationStatus.APPROVED, T0, 9, partnership_id="p1"),
    )
    stored = await apps.get("app1")
    assert (stored.status, stored.decided_by, stored.partnership_id) == (ApplicationStatus.APPROVED, 9, "p1")
    assert (await partnerships.get("p1")).status is PartnershipStatus.ACTIVE


async def test_a_decided_application_is_not_decided_again_by_a_late_replay(database):
    apps, projector = ApplicationRepository(database), Projector(database)
    await _apply_twice(
        projector,
        records.ApplicationRecorded(_application()),
        records.ApplicationDecided("app1", ApplicationStatus.DENIED, T0, 9, reason="no"),
    )
    await projector.apply(encode(records.ApplicationDecided("app1", ApplicationStatus.APPROVED, T0, 3, None, "p9")))
    stored = await apps.get("app1")
    assert (stored.status, stored.reason, stored.partnership_id) == (ApplicationStatus.DENIED, "no", None)


async def test_a_partnership_placed_fails_and_ends(database):
    partnerships, projector = PartnershipRepository(database), Projector(database)
    placement = ShowcasePlacement(channel_id=5, message_id=6, posted_at=T0 + timedelta(minutes=1))
    await _apply_twice(
        projector,
        records.PartnershipStarted(partnership_from(_application(), "p1", T0)),
        records.ShowcaseFailed("p1", "missing permissions"),
    )
    assert (await partnerships.get("p1")).showcase_error == "missing permissions"
    await _apply_twice(projector, records.PartnershipPlaced("p1", placement))
    placed = await partnerships.get("p1")
    assert (placed.showcase, placed.last_bumped_at, placed.showcase_error) == (placement, placement.posted_at, None)
    await _apply_twice(projector, records.PartnershipEnded("p1", T0 + timedelta(days=1), "done"))
    ended = await partnerships.get("p1")
    assert (ended.status, ended.end_reason) == (PartnershipStatus.ENDED, "done")


async def test_a_partnership_edited_and_its_tracked_invite_stored(database):
    partnerships, projector = PartnershipRepository(database), Projector(database)
    renamed = PartnerServer(PARTNER, "Chess Club", None, 120, "chessclub")
    await _apply_twice(
        projector,
        records.PartnershipStarted(partnership_from(_application(), "p1", T0)),
        records.TrackedInviteStored("p1", "trk1"),
        records.PartnershipEdited("p1", renamed, "new ad", 8),
    )
    edited = await partnerships.get("p1")
    assert (edited.partner, edited.advertisement, edited.representative_id) == (renamed, "new ad", 8)
    assert edited.tracked_invite_code == "trk1"
    checked = PartnerServer(PARTNER, "Chess Club Official", "https://cdn/icon.png", 130, "ignored")
    await _apply_twice(projector, records.HealthChecked("p1", Health(last_checked_at=T0), checked))
    facts = (await partnerships.get("p1")).partner
    assert facts == PartnerServer(PARTNER, "Chess Club Official", "https://cdn/icon.png", 130, "chessclub")
    await _apply_twice(projector, records.PartnershipEnded("p1", T0, None))
    await projector.apply(encode(records.PartnershipEdited("p1", renamed, "late edit", 9)))
    assert (await partnerships.get("p1")).advertisement == "new ad"  # an ended partnership is not edited


async def test_a_proposed_ad_approved_replaces_the_ad_once_and_a_late_replay_changes_nothing(database):
    partnerships, projector = PartnershipRepository(database), Projector(database)
    await _apply_twice(projector, records.PartnershipStarted(partnership_from(_application(), "p1", T0)))
    first, second = AdProposal("ad1", "first", T0), AdProposal("ad2", "second", T0 + timedelta(hours=1))
    await _apply_twice(projector, records.AdProposed("p1", first))
    assert (await partnerships.get("p1")).proposed_ad == first
    approved = encode(records.AdDecided("p1", "ad1", "first"))
    await projector.apply(approved)
    await _apply_twice(projector, records.AdProposed("p1", second))
    await projector.apply(approved)  # replayed after the next proposal: guarded by the proposal id
    stored = await partnerships.get("p1")
    assert (stored.advertisement, stored.proposed_ad) == ("first", second)
    await _apply_twice(projector, records.AdDecided("p1", "ad2", None))  # denied: the ad stays
    stored = await partnerships.get("p1")
    assert (stored.advertisement, stored.proposed_ad) == ("first", None)


async def test_a_blacklist_entry_added_then_removed_stays_removed_on_replay_of_the_add(database):
    blacklist, projector = BlacklistRepository(database), Projector(database)
    added = encode(records.BlacklistAdded(GUILD, PARTNER, "spam", 9, T0, rev=3))
    await projector.apply(added)
    assert (await blacklist.get(GUILD, PARTNER)).reason == "spam"
    await projector.apply(encode(records.BlacklistRemoved(GUILD, PARTNER, rev=4)))
    await projector.apply(added)  # an older version replayed late
    assert await blacklist.get(GUILD, PARTNER) is None


async def test_an_audit_entry_is_recorded_once(database):
    audit, projector = AuditRepository(database), Projector(database)
    entry = records.AuditRecorded("a1", GUILD, T0, 9, "partnership.end", "p1", {"status": "ACTIVE"}, None, "done")
    await _apply_twice(projector, entry)
    docs, _ = await audit.page(GUILD, 10, None)
    assert [(d["_id"], d["actor_id"], d["action"], d["reason"]) for d in docs] == [
        ("a1", "9", "partnership.end", "done")
    ]


async def test_an_awaiting_partnership_is_confirmed_once_and_ends_from_either_status(database):
    partnerships, projector = PartnershipRepository(database), Projector(database)
    awaiting = partnership_from(_application(), "p1", T0, PartnershipStatus.AWAITING_PARTNER)
    await _apply_twice(projector, records.PartnershipStarted(awaiting))
    assert (await partnerships.get("p1")).status is PartnershipStatus.AWAITING_PARTNER
    await _apply_twice(projector, records.PartnershipConfirmed("p1", T0 + timedelta(hours=1)))
    assert (await partnerships.get("p1")).status is PartnershipStatus.ACTIVE

    declined = partnership_from(_application(), "p2", T0, PartnershipStatus.AWAITING_PARTNER)
    await _apply_twice(
        projector, records.PartnershipStarted(declined), records.PartnershipEnded("p2", T0, "declined by the partner")
    )
    # A late confirmation replayed after the end changes nothing: the update expects AWAITING_PARTNER.
    await projector.apply(encode(records.PartnershipConfirmed("p2", T0)))
    ended = await partnerships.get("p2")
    assert (ended.status, ended.end_reason) == (PartnershipStatus.ENDED, "declined by the partner")


async def test_a_confirmation_deadline_is_scheduled_work_stored_once(database):
    from api.store.scheduled import ScheduledWork

    work = ScheduledWork(database)
    projector = Projector(database, work)
    due = T0 + timedelta(hours=72)
    await _apply_twice(projector, records.ConfirmationDeadlineSet(GUILD, "p1", due))
    claim = await work.claim("confirm.deadline", due, timedelta(minutes=5))
    assert (claim.key, claim.guild_id, claim.due_at) == ("p1", GUILD, due)
    assert await work.claim("confirm.deadline", due, timedelta(minutes=5)) is None


async def test_a_mutual_link_holds_each_sides_partnership_and_a_late_replay_changes_nothing(database):
    links, projector = MutualLinkRepository(database), Projector(database)
    ours, theirs = records.MutualLinkJoined(GUILD, PARTNER, "p1", 3), records.MutualLinkJoined(PARTNER, GUILD, "q1", 5)
    await _apply_twice(projector, ours, theirs)
    assert (await links.side(GUILD, PARTNER), await links.side(PARTNER, GUILD)) == ("p1", "q1")

    await _apply_twice(projector, records.MutualLinkLeft(GUILD, PARTNER, "p1", 4))
    await projector.apply(encode(ours))  # a late replay of the join loses to the leave
    assert (await links.side(GUILD, PARTNER), await links.side(PARTNER, GUILD)) == (None, "q1")

    await _apply_twice(projector, records.MutualLinkJoined(GUILD, PARTNER, "p2", 6))
    await projector.apply(encode(records.MutualLinkLeft(GUILD, PARTNER, "p1", 4)))  # of the earlier partnership
    assert await links.side(GUILD, PARTNER) == "p2"
    assert await database.db["mutual_links"].count_documents({}) == 1  # one link per pair, whoever wrote first


async def test_a_problem_is_raised_once_with_its_guild_warning_and_cleared_with_it(database):
    partnerships, warnings, projector = (
        PartnershipRepository(database),
        WarningRepository(database),
        Projector(database),
    )
    await _apply_twice(projector, records.PartnershipStarted(partnership_from(_application(), "p1", T0)))
    first = Problem("mutual", "NOT_RECIPROCATED", "Chess no longer showcases us.", T0)
    later = Problem("mutual", "NOT_RECIPROCATED", "Chess no longer showcases us.", T0 + timedelta(hours=1))
    await _apply_twice(projector, records.ProblemRaised(GUILD, "p1", first), records.ProblemRaised(GUILD, "p1", later))
    assert (await partnerships.get("p1")).problems == (first,)  # once: its grace counts from the first
    assert [(w["code"], w["message"]) for w in await warnings.guild_warnings(GUILD)] == [
        ("NOT_RECIPROCATED:p1", "Chess no longer showcases us.")
    ]

    await _apply_twice(projector, records.ProblemCleared(GUILD, "p1", "NOT_RECIPROCATED"))
    assert (await partnerships.get("p1")).problems == ()
    assert await warnings.guild_warnings(GUILD) == []


def test_every_record_change_has_a_projector_branch():
    samples = {
        records.ApplicationRecorded: records.ApplicationRecorded(_application()),
        records.ApplicationDecided: records.ApplicationDecided("a", ApplicationStatus.DENIED, T0, None),
        records.PartnershipStarted: records.PartnershipStarted(partnership_from(_application(), "p", T0)),
        records.PartnershipEnded: records.PartnershipEnded("p", T0, None),
        records.PartnershipPlaced: records.PartnershipPlaced("p", ShowcasePlacement(posted_at=T0)),
        records.ShowcaseFailed: records.ShowcaseFailed("p", "x"),
        records.TrackedInviteStored: records.TrackedInviteStored("p", "abc"),
        records.PartnershipEdited: records.PartnershipEdited("p", _application().partner, "ad", 8),
        records.BlacklistAdded: records.BlacklistAdded(GUILD, PARTNER, None, None, T0, 1),
        records.BlacklistRemoved: records.BlacklistRemoved(GUILD, PARTNER, 2),
        records.AuditRecorded: records.AuditRecorded("a", GUILD, T0, None, "x", None),
        records.PartnershipConfirmed: records.PartnershipConfirmed("p", T0),
        records.ConfirmationDeadlineSet: records.ConfirmationDeadlineSet(GUILD, "p", T0),
        records.HealthChecked: records.HealthChecked("p", Health(), _application().partner),
        records.WorkScheduled: records.WorkScheduled("health.check", "p", T0, GUILD),
        records.AdProposed: records.AdProposed("p", AdProposal("ad1", "new ad", T0)),
        records.AdDecided: records.AdDecided("p", "ad1", None),
        records.MutualLinkJoined: records.MutualLinkJoined(GUILD, PARTNER, "p", 3),
        records.MutualLinkLeft: records.MutualLinkLeft(GUILD, PARTNER, "p", 4),
        records.BumpRemindersStopped: records.BumpRemindersStopped(GUILD, 8, T0),
        records.ProblemRaised: records.ProblemRaised(GUILD, "p", Problem("mutual", "NOT_RECIPROCATED", "x", T0)),
        records.ProblemCleared: records.ProblemCleared(GUILD, "p", "NOT_RECIPROCATED"),
    }
    assert set(samples) == set(records.RECORD_CHANGES)
    for kind, change in samples.items():
        assert encode(change)["change"] == kind.__name__


async def test_a_health_check_is_stored_on_an_active_partnership_only_and_refreshes_the_partner(database):
    partnerships, projector = PartnershipRepository(database), Projector(database)
    app = _application()
    problem = HealthProblem(HealthIssue.BELOW_MIN_MEMBERS, "Chess has 40 members", T0, T0 + timedelta(hours=72))
    health = Health((problem,), last_checked_at=T0, next_check_at=T0 + timedelta(days=1))
    fresh = PartnerServer(PARTNER, "Chess Club", "https://cdn/icon.png", 40, "chess")
    await _apply_twice(projector, records.PartnershipStarted(partnership_from(app, "p1", T0)))
    await _apply_twice(projector, records.HealthChecked("p1", health, fresh))
    stored = await partnerships.get("p1")
    assert (stored.health, stored.partner) == (health, fresh)
    await _apply_twice(
        projector, records.PartnershipEnded("p1", T0, "done"), records.HealthChecked("p1", Health(), fresh)
    )
    assert (await partnerships.get("p1")).health == health  # an ended partnership keeps its last health


async def test_bump_reminders_stopped_is_stored_once_per_representative_and_guild(database):
    from api.store.bump_reminder_opt_outs import BumpReminderOptOuts

    opt_outs, projector = BumpReminderOptOuts(database), Projector(database)
    await _apply_twice(
        projector, records.BumpRemindersStopped(GUILD, 8, T0), records.BumpRemindersStopped(GUILD, 8, T0)
    )
    assert await opt_outs.stopped(GUILD, 8)
    assert not await opt_outs.stopped(GUILD, 9) and not await opt_outs.stopped(GUILD + 1, 8)


async def test_scheduled_work_is_projected_into_the_scheduled_store_and_a_replay_keeps_it_once(database):
    scheduled = MemoryScheduledWork()
    projector = Projector(database, scheduled)
    await _apply_twice(
        projector,
        records.WorkScheduled("queue.stale", str(GUILD), T0 + timedelta(hours=48), GUILD, keep_earlier=True),
        records.WorkScheduled("queue.stale", str(GUILD), T0 + timedelta(hours=50), GUILD, keep_earlier=True),
    )
    stored = await scheduled.get("queue.stale", str(GUILD))
    assert (stored["due_at"], stored["guild_id"]) == (T0 + timedelta(hours=48), str(GUILD))
    assert await scheduled.backlog("queue.stale", T0 + timedelta(hours=48)) == 1
