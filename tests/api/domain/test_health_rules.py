"""Health rules without I/O: which problems a check finds, when they open and close, the grace period,
the reminder a day before it ends, FAILING or the automatic end, and the stale-queue reminder."""

from __future__ import annotations

import dataclasses

from api.domain import advertising, mutual
from api.domain.enums import ApplicationSource, ApplicationStatus, HealthIssue, HealthStatus
from api.domain.health import (
    CheckFacts,
    Health,
    after_check,
    at_deadline,
    end_reason,
    issues_found,
    next_stale_reminder,
    refreshed_partner,
    shown,
    stale_queue,
)
from api.domain.models import Application, GuildSettings, PartnerServer, partnership_from

from .builders import DAY, GUILD, HOUR, PARTNER, REP, T0

SERVER = PartnerServer(id=PARTNER, name="Cats", icon_url=None, member_count=500, invite_code="cats")
FINE = CheckFacts(resolved=True, guild_id=PARTNER, name="Cats", icon_url="https://cdn/x.png", member_count=480)
GONE = CheckFacts(resolved=False)
GRACE_72 = GuildSettings(health_grace_hours=72, min_partner_member_count=100)


def found(facts: CheckFacts, settings: GuildSettings = GRACE_72):
    return issues_found(SERVER, facts, settings.min_partner_member_count)


def test_a_working_invite_to_the_same_server_with_enough_members_finds_nothing() -> None:
    assert found(FINE) == {}


def test_an_invite_that_no_longer_resolves_is_partner_invite_invalid() -> None:
    assert list(found(GONE)) == [HealthIssue.PARTNER_INVITE_INVALID]
    assert "discord.gg/cats" in found(GONE)[HealthIssue.PARTNER_INVITE_INVALID]


def test_an_invite_leading_to_another_server_is_partner_server_gone() -> None:
    other = CheckFacts(resolved=True, guild_id=PARTNER + 1, name="Dogs", member_count=9000)
    assert list(found(other)) == [HealthIssue.PARTNER_SERVER_GONE]


def test_fewer_members_than_the_minimum_is_below_min_members_and_no_minimum_never_is() -> None:
    small = CheckFacts(resolved=True, guild_id=PARTNER, name="Cats", member_count=99)
    assert list(found(small)) == [HealthIssue.BELOW_MIN_MEMBERS]
    assert "99 members" in found(small)[HealthIssue.BELOW_MIN_MEMBERS]
    assert found(small, GuildSettings(min_partner_member_count=0)) == {}
    assert found(CheckFacts(resolved=True, guild_id=PARTNER, name="Cats", member_count=100)) == {}


def test_a_deleted_tracked_invite_is_its_own_problem_beside_the_others_until_the_new_invite_is_stored() -> None:
    checked = after_check(Health(), found(GONE), T0, GRACE_72, next_check_at=T0 + DAY).health
    active = partnership_from(Application("a", GUILD, SERVER, REP, "ad", ApplicationSource.SLASH,
                                          ApplicationStatus.APPROVED, T0), "p", T0)  # fmt: skip
    deleted_at = T0 + HOUR
    p = dataclasses.replace(active, health=checked, problems=(advertising.tracked_invite_deleted("trk1", deleted_at),))
    health = shown(p, GRACE_72.health_grace_hours)
    assert [x.issue for x in health.problems] == [
        HealthIssue.PARTNER_INVITE_INVALID,
        HealthIssue.TRACKED_INVITE_DELETED,
    ]
    deleted = health.problems[1]
    assert (deleted.since, deleted.grace_ends_at) == (deleted_at, deleted_at + 72 * HOUR)
    assert health.status(deleted_at + 72 * HOUR) is HealthStatus.FAILING
    assert shown(dataclasses.replace(p, problems=()), 72) == checked  # the new invite stored: closed


def test_a_partner_no_longer_showcasing_us_shows_as_not_reciprocated_with_its_grace() -> None:
    p = partnership_from(Application("a", GUILD, SERVER, REP, "ad", ApplicationSource.SLASH,
                                     ApplicationStatus.APPROVED, T0), "p", T0)  # fmt: skip
    problem = mutual.not_reciprocated("Cats", T0 + DAY)
    health = shown(dataclasses.replace(p, problems=(problem,)), 24)
    (seen,) = health.problems
    assert (seen.issue, seen.message, seen.since, seen.grace_ends_at) == (
        HealthIssue.NOT_RECIPROCATED, problem.message, T0 + DAY, T0 + 2 * DAY,
    )  # fmt: skip
    assert health.status(T0 + DAY) is HealthStatus.AT_RISK and health.status(T0 + 2 * DAY) is HealthStatus.FAILING


def test_every_check_refreshes_name_icon_and_member_count_of_the_same_server_only() -> None:
    assert refreshed_partner(SERVER, FINE) == PartnerServer(PARTNER, "Cats", "https://cdn/x.png", 480, "cats")
    assert refreshed_partner(SERVER, GONE) == SERVER
    assert refreshed_partner(SERVER, CheckFacts(resolved=True, guild_id=PARTNER + 1, name="Dogs")) == SERVER
    odd = CheckFacts(resolved=True, guild_id=PARTNER, name="\u200b" * 3, icon_url="", member_count=-1)
    assert refreshed_partner(SERVER, odd) == SERVER  # no name, no icon, no count Discord did not give


def test_a_problem_opens_with_since_and_grace_end_and_the_partnership_is_at_risk() -> None:
    verdict = after_check(Health(), found(GONE), T0, GRACE_72, next_check_at=T0 + DAY)
    (problem,) = verdict.health.problems
    assert (problem.issue, problem.since, problem.grace_ends_at) == (
        HealthIssue.PARTNER_INVITE_INVALID,
        T0,
        T0 + 72 * HOUR,
    )
    assert verdict.opened == (problem,)
    assert verdict.health.status(T0) is HealthStatus.AT_RISK
    assert (verdict.health.last_checked_at, verdict.health.next_check_at) == (T0, T0 + DAY)
    assert verdict.end_for is None


def test_a_problem_still_found_keeps_its_since_and_is_not_opened_again() -> None:
    first = after_check(Health(), found(GONE), T0, GRACE_72, None).health
    second = after_check(first, found(GONE), T0 + DAY, GRACE_72, None)
    assert second.opened == ()
    assert second.health.problems[0].since == T0
    assert second.health.problems[0].grace_ends_at == T0 + 72 * HOUR


def test_a_problem_closes_by_itself_when_a_later_check_passes() -> None:
    first = after_check(Health(), found(GONE), T0, GRACE_72, None).health
    verdict = after_check(first, found(FINE), T0 + DAY, GRACE_72, None)
    assert [p.issue for p in verdict.closed] == [HealthIssue.PARTNER_INVITE_INVALID]
    assert verdict.health.problems == ()
    assert verdict.health.status(T0 + DAY) is HealthStatus.OK


def test_a_reminder_is_due_a_day_before_the_grace_ends_and_is_sent_once() -> None:
    health = after_check(Health(), found(GONE), T0, GRACE_72, None).health
    assert health.next_deadline(T0) == T0 + 48 * HOUR
    assert at_deadline(health, T0 + 47 * HOUR, GRACE_72).reminders == ()
    reminded = at_deadline(health, T0 + 48 * HOUR, GRACE_72)
    assert [p.issue for p in reminded.reminders] == [HealthIssue.PARTNER_INVITE_INVALID]
    assert at_deadline(reminded.health, T0 + 50 * HOUR, GRACE_72).reminders == ()
    assert reminded.health.next_deadline(T0 + 48 * HOUR) == T0 + 72 * HOUR


def test_past_the_grace_the_partnership_is_failing_and_not_ended_without_auto_end() -> None:
    health = after_check(Health(), found(GONE), T0, GRACE_72, None).health
    later = at_deadline(health, T0 + 72 * HOUR, GRACE_72)
    assert later.end_for is None
    assert later.health.status(T0 + 72 * HOUR) is HealthStatus.FAILING
    assert later.health.next_deadline(T0 + 72 * HOUR) is None


def test_with_auto_end_a_problem_past_its_grace_ends_the_partnership_with_a_reason_naming_it() -> None:
    settings = GuildSettings(health_grace_hours=72, auto_end_unhealthy=True)
    health = after_check(Health(), found(GONE, settings), T0, settings, None).health
    assert at_deadline(health, T0 + 71 * HOUR, settings).end_for is None
    ended = at_deadline(health, T0 + 72 * HOUR, settings).end_for
    assert ended is not None and ended.issue is HealthIssue.PARTNER_INVITE_INVALID
    assert "PARTNER_INVITE_INVALID" in end_reason(ended)


def test_grace_zero_counts_the_first_failed_check_as_past_the_grace() -> None:
    failing = GuildSettings(health_grace_hours=0)
    verdict = after_check(Health(), found(GONE, failing), T0, failing, None)
    assert verdict.health.status(T0) is HealthStatus.FAILING
    assert verdict.reminders == ()  # no reminder for a grace shorter than a day
    ending = GuildSettings(health_grace_hours=0, auto_end_unhealthy=True)
    assert after_check(Health(), found(GONE, ending), T0, ending, None).end_for is not None


def test_a_grace_of_a_day_or_less_has_no_separate_reminder() -> None:
    short = GuildSettings(health_grace_hours=24)
    health = after_check(Health(), found(GONE, short), T0, short, None).health
    assert health.problems[0].remind_at is None
    assert health.next_deadline(T0) == T0 + DAY


def test_the_stale_queue_counts_applications_older_than_the_setting_and_zero_is_off() -> None:
    pending = [T0 - 50 * HOUR, T0 - 49 * HOUR, T0 - HOUR]
    assert stale_queue(pending, T0, 48) == (2, T0 - 50 * HOUR)
    assert stale_queue(pending, T0, 0) == (0, None)
    assert stale_queue([T0 - HOUR], T0, 48) == (0, None)


def test_the_stale_queue_is_looked_at_again_once_per_interval_after_a_reminder() -> None:
    pending = [T0 - 50 * HOUR, T0 - HOUR]
    assert next_stale_reminder(pending, T0, 48, reminded_now=True) == T0 + 48 * HOUR
    assert next_stale_reminder([T0 - HOUR], T0, 48, reminded_now=False) == T0 + 47 * HOUR
    assert next_stale_reminder([], T0, 48, reminded_now=False) is None
    assert next_stale_reminder(pending, T0, 0, reminded_now=False) is None
