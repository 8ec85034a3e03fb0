"""ledger.submit: the submission checks, in the order DESIGN.md states."""

from __future__ import annotations

import pytest

from api.domain import ledger as rules
from api.domain.enums import ApplicationMode, ApplicationSource
from api.domain.errors import ErrorCode, RuleViolation
from api.domain.ledger import Ledger, PendingSlot
from api.domain.models import GuildSettings

from . import builders
from .builders import (
    DAY,
    HOUR,
    OTHER_PARTNER,
    OTHER_REP,
    PARTNER,
    REP,
    T0,
    TICK,
    filler_active,
    filler_pending,
    make_ledger,
    state,
    submission,
)


def refused(ledger: Ledger, sub, code: ErrorCode, now=T0, app_id="app-new") -> RuleViolation:
    return builders.refused(rules.submit, ledger, sub, app_id, now, code=code)


def accepted(ledger: Ledger, sub, now=T0, app_id="app-new") -> Ledger:
    before = state(ledger)
    outcome = rules.submit(ledger, sub, app_id, now)
    assert outcome.auto_denied is False
    new = outcome.ledger
    assert state(ledger) == before
    assert new.version == ledger.version + 1
    assert dict(new.pending) == {**ledger.pending, app_id: PendingSlot(sub.partner.id, sub.representative_id, now)}
    assert dict(new.active) == dict(ledger.active)
    assert new.blacklisted == ledger.blacklisted
    assert new.settings == ledger.settings
    assert new.last_by_representative[sub.representative_id] == now
    assert new.last_by_partner[sub.partner.id] == now
    return new


# --- an accepted submission -------------------------------------------------------------------------


def test_an_accepted_submission_becomes_pending_and_starts_both_cooldowns():
    ledger = make_ledger()
    new = accepted(ledger, submission())
    assert dict(new.pending) == {"app-new": PendingSlot(PARTNER, REP, T0)}
    assert dict(new.last_by_representative) == {REP: T0}
    assert dict(new.last_by_partner) == {PARTNER: T0}
    assert new.pending_partner_ids() == {PARTNER}
    assert ledger.pending_partner_ids() == set()


def test_the_new_ledger_is_read_only():
    new = rules.submit(make_ledger(), submission(), "app-new", T0).ledger
    with pytest.raises(TypeError):
        new.pending["x"] = PendingSlot(1, 2, T0)  # type: ignore[index]
    with pytest.raises(AttributeError):
        new.version = 99  # type: ignore[misc]


# --- 1. blacklisted partner: recorded as denied, not refused ----------------------------------------------


def test_a_blacklisted_partner_is_auto_denied_and_stamped_not_queued():
    ledger = make_ledger(blacklisted={PARTNER})
    before = state(ledger)
    outcome = rules.submit(ledger, submission(), "app-new", T0)
    assert outcome.auto_denied is True
    new = outcome.ledger
    assert state(ledger) == before
    assert new.version == ledger.version + 1
    assert dict(new.pending) == {}
    assert dict(new.active) == {}
    assert new.blacklisted == frozenset({PARTNER})
    assert dict(new.last_by_representative) == {REP: T0}
    assert dict(new.last_by_partner) == {PARTNER: T0}


def test_the_auto_denied_application_starts_the_cooldown():
    ledger = rules.submit(make_ledger(blacklisted={PARTNER}), submission(), "app-1", T0).ledger
    violation = refused(ledger, submission(OTHER_PARTNER, REP), ErrorCode.COOLDOWN, now=T0 + HOUR)
    assert violation.message == "You applied recently; a new application is possible after 2025-03-02 12:00 UTC."


def test_blacklist_wins_even_when_every_other_check_would_fail():
    """Closed mode, too few members, cooldown on both, already pending and active, queue full."""
    ledger = make_ledger(
        GuildSettings(application_mode=ApplicationMode.MANUAL, min_partner_member_count=1000),
        pending={**filler_pending(249), "app-old": PendingSlot(PARTNER, REP, T0 - HOUR)},
        active=filler_active(3),
        blacklisted={PARTNER},
        last_by_representative={REP: T0 - HOUR},
        last_by_partner={PARTNER: T0 - HOUR},
    )
    assert len(ledger.pending) == 250
    outcome = rules.submit(ledger, submission(members=10, source=ApplicationSource.DM), "app-new", T0)
    assert outcome.auto_denied is True
    assert dict(outcome.ledger.pending) == dict(ledger.pending)
    assert "app-new" not in outcome.ledger.pending
    assert outcome.ledger.last_by_representative[REP] == T0
    assert outcome.ledger.last_by_partner[PARTNER] == T0


# --- the order of the refusals: peel one failing rule off at a time -----------------------------------------


def _everything_fails(**overrides) -> tuple[Ledger, object]:
    """A ledger and a submission that break rules 2..6 at once, except those set False in `overrides`."""
    opts = {"closed": True, "small": True, "cooldown": True, "duplicate": True, "full": True} | overrides
    settings = GuildSettings(
        application_mode=ApplicationMode.TICKET if opts["closed"] else ApplicationMode.SLASH,
        min_partner_member_count=1000,
    )
    pending = filler_pending(250 if opts["full"] else 248)
    if opts["duplicate"]:
        pending.pop("fill-app-0")
        pending["app-old"] = PendingSlot(PARTNER, OTHER_REP, T0 - 48 * HOUR)
    ledger = make_ledger(
        settings,
        pending=pending,
        last_by_representative={REP: T0 - HOUR} if opts["cooldown"] else {},
    )
    assert len(ledger.pending) == (250 if opts["full"] else 248)
    return ledger, submission(members=10 if opts["small"] else 5000, source=ApplicationSource.SLASH)


@pytest.mark.parametrize(
    ("fixed", "code"),
    [
        ({}, ErrorCode.APPLICATIONS_CLOSED),
        ({"closed": False}, ErrorCode.BELOW_MIN_MEMBERS),
        ({"closed": False, "small": False}, ErrorCode.COOLDOWN),
        ({"closed": False, "small": False, "cooldown": False}, ErrorCode.DUPLICATE),
        ({"closed": False, "small": False, "cooldown": False, "duplicate": False}, ErrorCode.PENDING_LIMIT_REACHED),
    ],
)
def test_refusals_come_in_the_designed_order(fixed, code):
    ledger, sub = _everything_fails(**fixed)
    refused(ledger, sub, code)


def test_with_every_rule_fixed_the_peeled_ledger_accepts():
    ledger, sub = _everything_fails(closed=False, small=False, cooldown=False, duplicate=False, full=False)
    accepted(ledger, sub)


def test_duplicate_active_comes_after_cooldown_and_before_the_pending_limit():
    active = {"ps-1": rules.ActiveSlot(PARTNER, "app-0", OTHER_REP, T0 - 48 * HOUR)}
    ledger = make_ledger(pending=filler_pending(250), active=active, last_by_partner={PARTNER: T0 - HOUR})
    refused(ledger, submission(), ErrorCode.COOLDOWN)
    refused(make_ledger(pending=filler_pending(250), active=active), submission(), ErrorCode.DUPLICATE)


# --- 2. applications closed for this source -------------------------------------------------------------

SOURCES = list(ApplicationSource)
OPEN = {
    ApplicationMode.SLASH: {ApplicationSource.SLASH, ApplicationSource.PANEL, ApplicationSource.DM},
    ApplicationMode.TICKET: {ApplicationSource.TICKET},
    ApplicationMode.MANUAL: set(),
}


@pytest.mark.parametrize("mode", list(ApplicationMode))
@pytest.mark.parametrize("source", SOURCES)
def test_each_mode_accepts_exactly_its_sources(mode, source):
    ledger = make_ledger(GuildSettings(application_mode=mode))
    sub = submission(source=source)
    if source in OPEN[mode]:
        accepted(ledger, sub)
    else:
        refused(ledger, sub, ErrorCode.APPLICATIONS_CLOSED)


@pytest.mark.parametrize(
    ("mode", "source", "message"),
    [
        (
            ApplicationMode.MANUAL,
            ApplicationSource.SLASH,
            "This server does not take partnership applications through Discord; its staff add partners directly.",
        ),
        (
            ApplicationMode.TICKET,
            ApplicationSource.PANEL,
            "This server takes partnership applications through a ticket only.",
        ),
        (
            ApplicationMode.SLASH,
            ApplicationSource.TICKET,
            "This server does not take partnership applications by ticket.",
        ),
    ],
)
def test_a_closed_source_gets_a_clear_refusal(mode, source, message):
    violation = refused(
        make_ledger(GuildSettings(application_mode=mode)), submission(source=source), ErrorCode.APPLICATIONS_CLOSED
    )
    assert violation.message == message
    assert violation.field is None


# --- 3. member count ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("members", [1000, 1001, 10_000_000])
def test_at_or_above_the_minimum_is_accepted(members):
    accepted(make_ledger(GuildSettings(min_partner_member_count=1000)), submission(members=members))


def test_below_the_minimum_is_refused_with_the_counts():
    violation = refused(
        make_ledger(GuildSettings(min_partner_member_count=1000)),
        submission(members=999, name="Tiny Town"),
        ErrorCode.BELOW_MIN_MEMBERS,
    )
    assert violation.message == "Partner servers need at least 1000 members; Tiny Town has 999."


def test_an_unknown_member_count_is_refused_when_a_minimum_is_set():
    violation = refused(
        make_ledger(GuildSettings(min_partner_member_count=1)),
        submission(members=None, name="Mystery"),
        ErrorCode.BELOW_MIN_MEMBERS,
    )
    assert violation.message == "Partner servers need at least 1 members; Mystery has an unknown number of."


@pytest.mark.parametrize("members", [None, 0, 1])
def test_zero_means_no_minimum(members):
    accepted(make_ledger(GuildSettings(min_partner_member_count=0)), submission(members=members))


# --- 4. cooldown ---------------------------------------------------------------------------------------------


def test_same_representative_for_another_partner_within_the_cooldown_is_refused():
    ledger = accepted(make_ledger(), submission(PARTNER, REP), app_id="app-1")
    violation = refused(ledger, submission(OTHER_PARTNER, REP), ErrorCode.COOLDOWN, now=T0 + 23 * HOUR)
    assert violation.message == "You applied recently; a new application is possible after 2025-03-02 12:00 UTC."


def test_same_partner_through_another_representative_within_the_cooldown_is_refused():
    ledger = rules.deny(accepted(make_ledger(), submission(PARTNER, REP), app_id="app-1"), "app-1", blacklist=False)
    violation = refused(ledger, submission(PARTNER, OTHER_REP), ErrorCode.COOLDOWN, now=T0 + 23 * HOUR)
    assert (
        violation.message == "This server applied recently; a new application is possible after 2025-03-02 12:00 UTC."
    )


def test_the_cooldown_ends_exactly_at_the_boundary():
    ledger = accepted(
        make_ledger(GuildSettings(application_cooldown_hours=5)), submission(PARTNER, REP), app_id="app-1"
    )
    refused(ledger, submission(OTHER_PARTNER, REP), ErrorCode.COOLDOWN, now=T0 + 5 * HOUR - TICK)
    accepted(ledger, submission(OTHER_PARTNER, REP, at=T0 + 5 * HOUR), now=T0 + 5 * HOUR, app_id="app-2")


def test_a_denied_partner_may_reapply_once_the_cooldown_has_passed():
    ledger = rules.deny(accepted(make_ledger(), submission(), app_id="app-1"), "app-1", blacklist=False)
    refused(ledger, submission(), ErrorCode.COOLDOWN, now=T0 + 24 * HOUR - TICK)
    accepted(ledger, submission(), now=T0 + 24 * HOUR, app_id="app-2")


def test_the_cooldown_counts_from_the_last_application():
    ledger = make_ledger(GuildSettings(application_cooldown_hours=10))
    ledger = accepted(ledger, submission(PARTNER, REP), app_id="app-1")
    ledger = accepted(ledger, submission(OTHER_PARTNER, REP), now=T0 + 10 * HOUR, app_id="app-2")
    refused(ledger, submission(PARTNER + 2, REP), ErrorCode.COOLDOWN, now=T0 + 19 * HOUR)
    accepted(ledger, submission(PARTNER + 2, REP), now=T0 + 20 * HOUR, app_id="app-3")


def test_cooldown_zero_disables_it():
    ledger = make_ledger(GuildSettings(application_cooldown_hours=0))
    ledger = accepted(ledger, submission(PARTNER, REP), app_id="app-1")
    ledger = accepted(ledger, submission(OTHER_PARTNER, REP), app_id="app-2")
    ledger = rules.deny(ledger, "app-1", blacklist=False)
    accepted(ledger, submission(PARTNER, OTHER_REP), app_id="app-3")


def test_a_refused_submission_does_not_start_a_cooldown():
    ledger = make_ledger(GuildSettings(min_partner_member_count=100))
    refused(ledger, submission(PARTNER, REP, members=5), ErrorCode.BELOW_MIN_MEMBERS)
    # The same representative, with a big enough server, right away; and the small server through someone else.
    accepted(ledger, submission(OTHER_PARTNER, REP), app_id="app-1")
    refused(ledger, submission(PARTNER, OTHER_REP, members=5), ErrorCode.BELOW_MIN_MEMBERS)
    assert dict(ledger.last_by_representative) == {}
    assert dict(ledger.last_by_partner) == {}


def test_a_duplicate_refusal_does_not_restart_the_cooldown():
    ledger = make_ledger(GuildSettings(application_cooldown_hours=1))
    ledger = accepted(ledger, submission(PARTNER, REP), app_id="app-1")
    refused(ledger, submission(PARTNER, OTHER_REP), ErrorCode.DUPLICATE, now=T0 + 2 * HOUR)
    assert ledger.last_by_partner[PARTNER] == T0


RETENTION = rules.COOLDOWN_STAMP_RETENTION


def test_old_stamps_are_pruned_when_a_new_one_is_stamped():
    """Stamps older than max(cooldown, 30 days) go; younger ones stay (a cooldown raised later still counts)."""
    ledger = make_ledger(
        GuildSettings(application_cooldown_hours=24),
        last_by_representative={
            REP + 10: T0 - RETENTION - HOUR,
            REP + 11: T0 - RETENTION,  # exactly at the horizon: gone
            REP + 12: T0 - RETENTION + HOUR,
            REP + 13: T0 - 25 * HOUR,  # past the cooldown, still remembered
        },
        last_by_partner={PARTNER + 10: T0 - 90 * DAY, PARTNER + 11: T0 - RETENTION, PARTNER + 12: T0 - HOUR},
    )
    new = accepted(ledger, submission(PARTNER, REP))
    assert dict(new.last_by_representative) == {
        REP + 12: T0 - RETENTION + HOUR,
        REP + 13: T0 - 25 * HOUR,
        REP: T0,
    }
    assert dict(new.last_by_partner) == {PARTNER + 12: T0 - HOUR, PARTNER: T0}


def test_a_cooldown_longer_than_30_days_keeps_stamps_for_the_whole_cooldown():
    year = 8760 * HOUR
    ledger = make_ledger(
        GuildSettings(application_cooldown_hours=8760),
        last_by_representative={REP + 10: T0 - year, REP + 11: T0 - year + HOUR, REP + 12: T0 - 100 * DAY},
    )
    new = accepted(ledger, submission(PARTNER, REP))
    assert dict(new.last_by_representative) == {REP + 11: T0 - year + HOUR, REP + 12: T0 - 100 * DAY, REP: T0}


def test_an_auto_denial_prunes_old_stamps_too():
    ledger = make_ledger(
        blacklisted={PARTNER},
        last_by_representative={REP + 10: T0 - RETENTION - HOUR},
        last_by_partner={PARTNER + 10: T0 - RETENTION - HOUR, PARTNER + 12: T0 - 2 * DAY},
    )
    new = rules.submit(ledger, submission(), "app-new", T0).ledger
    assert dict(new.last_by_representative) == {REP: T0}
    assert dict(new.last_by_partner) == {PARTNER + 12: T0 - 2 * DAY, PARTNER: T0}


def test_raising_the_cooldown_still_counts_from_the_last_application():
    ledger = make_ledger(GuildSettings(application_cooldown_hours=1))
    ledger = accepted(ledger, submission(PARTNER, REP), app_id="app-1")
    # Two hours later someone else applies; REP's one-hour cooldown is over but the stamp is kept.
    ledger = accepted(ledger, submission(OTHER_PARTNER, OTHER_REP), now=T0 + 2 * HOUR, app_id="app-2")
    assert ledger.last_by_representative[REP] == T0
    ledger = rules.update_settings(ledger, GuildSettings(application_cooldown_hours=24))
    # REP applied 3 hours ago; with a 24-hour cooldown that is too soon.
    violation = refused(ledger, submission(PARTNER + 2, REP), ErrorCode.COOLDOWN, now=T0 + 3 * HOUR)
    assert violation.message == "You applied recently; a new application is possible after 2025-03-02 12:00 UTC."


def test_a_zero_cooldown_keeps_stamps_so_turning_it_on_counts_recent_applications():
    ledger = make_ledger(GuildSettings(application_cooldown_hours=0))
    ledger = accepted(ledger, submission(PARTNER, REP), app_id="app-1")
    ledger = accepted(ledger, submission(OTHER_PARTNER, OTHER_REP), now=T0 + HOUR, app_id="app-2")
    ledger = rules.update_settings(ledger, GuildSettings(application_cooldown_hours=24))
    refused(ledger, submission(PARTNER + 2, REP), ErrorCode.COOLDOWN, now=T0 + 2 * HOUR)


# --- 5. duplicate ------------------------------------------------------------------------------------------------


def test_a_partner_already_pending_is_a_duplicate():
    ledger = make_ledger(pending={"app-old": PendingSlot(PARTNER, OTHER_REP, T0 - 48 * HOUR)})
    violation = refused(ledger, submission(PARTNER, REP, name="Busy Place"), ErrorCode.DUPLICATE)
    assert violation.message == "Busy Place already has a pending application."


def test_an_active_partner_is_a_duplicate():
    ledger = make_ledger(active={"ps-1": rules.ActiveSlot(PARTNER, "app-0", OTHER_REP, T0 - 48 * HOUR)})
    violation = refused(ledger, submission(PARTNER, REP, name="Old Friend"), ErrorCode.DUPLICATE)
    assert violation.message == "Old Friend is already an active partner."


def test_after_the_partnership_ends_the_partner_may_apply_again():
    ledger = make_ledger(active={"ps-1": rules.ActiveSlot(PARTNER, "app-0", OTHER_REP, T0 - 48 * HOUR)})
    accepted(rules.end(ledger, "ps-1"), submission(PARTNER, REP))


# --- 6. pending limit -----------------------------------------------------------------------------------------------


def test_the_250th_pending_application_is_accepted():
    ledger = make_ledger(pending=filler_pending(249))
    assert len(accepted(ledger, submission()).pending) == 250


def test_the_251st_is_refused():
    violation = refused(make_ledger(pending=filler_pending(250)), submission(), ErrorCode.PENDING_LIMIT_REACHED)
    assert violation.message == (
        "This server already has 250 pending applications; new ones are refused until staff review some."
    )


def test_a_decision_makes_room_again():
    ledger = rules.deny(make_ledger(pending=filler_pending(250)), "fill-app-0", blacklist=False)
    accepted(ledger, submission())
