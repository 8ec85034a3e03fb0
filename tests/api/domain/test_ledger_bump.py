"""Bumps and showcase results: one ad at a time, and a failed post does not use up the interval."""

from __future__ import annotations

from dataclasses import replace

import pytest

from api.domain import ledger as rules
from api.domain.enums import ChannelMode
from api.domain.errors import ErrorCode, RuleViolation
from api.domain.ledger import POST_IN_FLIGHT_TIMEOUT, ActiveSlot, Ledger
from api.domain.models import GuildSettings

from . import builders
from .builders import DAY, HOUR, PARTNER, REP, SHOWCASE_FORUM, SHOWCASED, T0, TICK, make_ledger, state, submission

MINUTE = POST_IN_FLIGHT_TIMEOUT / 10
WEEK = 7 * DAY  # the default bump interval


def slot(last_posted_at=None, post_requested_at=None) -> ActiveSlot:
    return ActiveSlot(PARTNER, "app-1", REP, T0 - 30 * DAY, last_posted_at, post_requested_at)


def active(settings: GuildSettings = SHOWCASED, **slot_fields) -> Ledger:
    return make_ledger(settings, active={"ps-1": slot(**slot_fields)})


def refused(ledger: Ledger, now, code=ErrorCode.BUMP_TOO_SOON, partnership_id="ps-1") -> RuleViolation:
    return builders.refused(rules.bump, ledger, partnership_id, now, code=code)


def bumped(ledger: Ledger, now) -> Ledger:
    before = state(ledger)
    new = rules.bump(ledger, "ps-1", now)
    assert state(ledger) == before
    assert new.version == ledger.version + 1
    assert dict(new.active) == {"ps-1": replace(ledger.active["ps-1"], post_requested_at=now)}
    assert dict(new.pending) == dict(ledger.pending)
    return new


def result(ledger: Ledger, posted_at) -> Ledger:
    before = state(ledger)
    new = rules.showcase_result(ledger, "ps-1", posted_at)
    assert new is not None
    assert state(ledger) == before
    assert new.version == ledger.version + 1
    return new


def test_the_first_bump_without_any_post_yet_is_allowed():
    bumped(active(), T0)


def test_only_an_active_partnership_can_be_bumped():
    violation = refused(active(), T0, ErrorCode.INVALID_STATE, partnership_id="ps-unknown")
    assert violation.message == "Only an active partnership can be bumped."
    refused(rules.end(active(), "ps-1"), T0, ErrorCode.INVALID_STATE)


@pytest.mark.parametrize(
    "settings",
    [
        GuildSettings(),
        GuildSettings(channel_mode=ChannelMode.CHANNEL_PER_PARTNER, showcase_forum_id=SHOWCASE_FORUM),
    ],
)
def test_no_bump_without_a_showcase_for_the_channel_mode(settings):
    violation = refused(active(settings), T0, ErrorCode.INVALID_STATE)
    assert violation.message == "No showcase is configured for the current channel mode."


def test_a_post_in_flight_blocks_a_bump_until_the_timeout():
    ledger = active(post_requested_at=T0)
    violation = refused(ledger, T0)
    assert violation.message == "The advertisement is being posted right now."
    refused(ledger, T0 + POST_IN_FLIGHT_TIMEOUT - TICK)
    bumped(ledger, T0 + POST_IN_FLIGHT_TIMEOUT)


def test_the_in_flight_timeout_is_ten_minutes():
    assert POST_IN_FLIGHT_TIMEOUT.total_seconds() == 600


def test_a_bump_before_the_interval_is_refused_and_allowed_exactly_at_next_bump_at():
    ledger = active(last_posted_at=T0)
    assert ledger.next_bump_at("ps-1") == T0 + WEEK
    violation = refused(ledger, T0 + WEEK - TICK)
    assert violation.message == "This partner may bump again after 2025-03-08 12:00 UTC."
    new = bumped(ledger, T0 + WEEK)
    assert new.active["ps-1"].last_posted_at == T0  # only a successful post moves it


def test_the_interval_follows_the_setting():
    ledger = active(replace(SHOWCASED, bump_interval_days=1), last_posted_at=T0)
    assert ledger.next_bump_at("ps-1") == T0 + DAY
    refused(ledger, T0 + DAY - TICK)
    bumped(ledger, T0 + DAY)


def test_next_bump_at_is_none_before_the_first_post_and_for_unknown_ids():
    assert active().next_bump_at("ps-1") is None
    assert active(last_posted_at=T0).next_bump_at("ps-unknown") is None


def test_the_in_flight_check_applies_even_after_the_interval():
    ledger = active(last_posted_at=T0 - 30 * DAY, post_requested_at=T0)
    assert refused(ledger, T0 + MINUTE).message == "The advertisement is being posted right now."


def test_a_bump_blocks_a_second_bump():
    ledger = bumped(active(last_posted_at=T0 - WEEK), T0)
    refused(ledger, T0 + MINUTE)


def test_a_successful_post_clears_in_flight_and_starts_the_interval():
    ledger = bumped(active(last_posted_at=T0 - WEEK), T0)
    posted = T0 + MINUTE
    new = result(ledger, posted)
    assert new.active["ps-1"] == replace(ledger.active["ps-1"], post_requested_at=None, last_posted_at=posted)
    assert new.next_bump_at("ps-1") == posted + WEEK
    refused(new, posted + WEEK - TICK)
    bumped(new, posted + WEEK)


def test_a_failed_post_clears_in_flight_without_using_the_interval():
    ledger = bumped(active(last_posted_at=T0 - WEEK), T0)
    new = result(ledger, None)
    assert new.active["ps-1"] == replace(ledger.active["ps-1"], post_requested_at=None)
    assert new.active["ps-1"].last_posted_at == T0 - WEEK
    bumped(new, T0 + MINUTE)  # right after the failure


def test_a_failed_first_post_after_approval_allows_a_bump_right_away():
    ledger = rules.submit(make_ledger(SHOWCASED), submission(), "app-1", T0 - HOUR).ledger
    ledger = rules.approve(ledger, "app-1", "ps-1", T0)
    assert ledger.active["ps-1"].post_requested_at == T0
    refused(ledger, T0 + MINUTE)
    failed = result(ledger, None)
    assert failed.active["ps-1"].last_posted_at is None
    bumped(failed, T0 + 2 * MINUTE)


def test_after_approval_the_first_post_starts_the_interval():
    ledger = rules.approve(
        rules.submit(make_ledger(SHOWCASED), submission(), "app-1", T0 - HOUR).ledger, "app-1", "ps-1", T0
    )
    posted = result(ledger, T0 + MINUTE)
    assert posted.next_bump_at("ps-1") == T0 + MINUTE + WEEK
    refused(posted, T0 + 3 * DAY)
    bumped(posted, T0 + MINUTE + WEEK)


def test_a_showcase_result_for_a_partnership_that_is_not_active_changes_nothing():
    ledger = active(post_requested_at=T0)
    assert rules.showcase_result(ledger, "ps-unknown", T0) is None
    assert rules.showcase_result(ledger, "ps-unknown", None) is None
    ended = rules.end(ledger, "ps-1")
    before = state(ended)
    assert rules.showcase_result(ended, "ps-1", T0 + MINUTE) is None
    assert state(ended) == before


# ---- the representative's one DM when a bump becomes possible ------------------------------------------


def test_the_bump_reminder_is_due_at_next_bump_at_and_told_once_per_interval():
    ledger = active(last_posted_at=T0)
    assert rules.remind_bump(ledger, "ps-1", T0 + WEEK - TICK) is None  # not possible yet
    before = state(ledger)
    told = rules.remind_bump(ledger, "ps-1", T0 + WEEK)
    assert state(ledger) == before and told.version == ledger.version + 1
    assert told.active["ps-1"] == replace(ledger.active["ps-1"], bump_reminded_for=T0 + WEEK)
    assert rules.remind_bump(told, "ps-1", T0 + WEEK + DAY) is None  # the same interval: told already
    bumped(told, T0 + WEEK + DAY)  # the reminder blocks nothing

    reposted = result(told, T0 + WEEK + DAY)  # a new interval: one more reminder
    assert rules.remind_bump(reposted, "ps-1", T0 + 2 * WEEK + DAY - TICK) is None
    again = rules.remind_bump(reposted, "ps-1", T0 + 2 * WEEK + DAY)
    assert again.active["ps-1"].bump_reminded_for == T0 + 2 * WEEK + DAY


def test_no_bump_reminder_without_a_possible_bump():
    assert rules.remind_bump(active(), "ps-1", T0) is None  # never posted
    assert rules.remind_bump(active(last_posted_at=T0), "ps-unknown", T0 + WEEK) is None  # ended or unknown
    no_showcase = active(replace(SHOWCASED, showcase_channel_id=None), last_posted_at=T0)
    assert rules.remind_bump(no_showcase, "ps-1", T0 + WEEK) is None
    in_flight = active(last_posted_at=T0, post_requested_at=T0 + WEEK)  # they are bumping right now
    assert rules.remind_bump(in_flight, "ps-1", T0 + WEEK + MINUTE) is None
    awaiting = make_ledger(SHOWCASED, active={"ps-1": replace(slot(last_posted_at=T0), awaiting_until=T0 + WEEK)})
    assert rules.remind_bump(awaiting, "ps-1", T0 + WEEK) is None


def interval(ledger: Ledger, days: int) -> Ledger:
    return rules.update_settings(ledger, replace(ledger.settings, bump_interval_days=days))


def test_a_new_bump_interval_moves_each_reminder_not_yet_owed_to_the_new_next_bump_time():
    ledger = make_ledger(
        SHOWCASED,
        active={
            "ps-1": slot(last_posted_at=T0),
            "ps-never-posted": slot(),
            "ps-awaiting": replace(slot(last_posted_at=T0), awaiting_until=T0 + DAY),
        },
    )
    assert rules.bump_reminders_moved(ledger, interval(ledger, 3), T0 + DAY) == {"ps-1": T0 + 3 * DAY}  # earlier
    assert rules.bump_reminders_moved(ledger, interval(ledger, 10), T0 + DAY) == {"ps-1": T0 + 10 * DAY}  # later
    assert rules.bump_reminders_moved(ledger, interval(ledger, 7), T0 + DAY) == {}  # unchanged


def test_a_new_bump_interval_owes_no_second_reminder_for_a_bump_still_possible():
    told = rules.remind_bump(active(last_posted_at=T0), "ps-1", T0 + WEEK)
    now = T0 + WEEK + DAY
    assert rules.bump_reminders_moved(told, interval(told, 3), now) == {}  # still possible: told already
    # Longer: no bump until the new time, when it becomes possible again and is told once more.
    longer = interval(told, 10)
    assert rules.bump_reminders_moved(told, longer, now) == {"ps-1": T0 + 10 * DAY}
    assert rules.remind_bump(longer, "ps-1", T0 + 10 * DAY) is not None
