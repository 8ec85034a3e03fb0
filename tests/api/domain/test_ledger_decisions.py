"""Staff decisions on the ledger: approve, deny, add by hand, end, and the blacklist."""

from __future__ import annotations

import pytest

from api.domain import ledger as rules
from api.domain.enums import ApplicationMode, ChannelMode
from api.domain.errors import ErrorCode
from api.domain.ledger import ActiveSlot, Ledger, PendingSlot
from api.domain.models import GuildSettings

from .builders import (
    HOUR,
    OTHER_PARTNER,
    OTHER_REP,
    PARTNER,
    REP,
    SHOWCASE_CATEGORY,
    SHOWCASE_CHANNEL,
    SHOWCASE_FORUM,
    SHOWCASED,
    T0,
    filler_active,
    filler_blacklist,
    filler_pending,
    make_ledger,
    refused,
    state,
    submission,
)

SUBMITTED = T0 - 2 * HOUR
NOW = T0


def changed(call, ledger: Ledger, *args) -> Ledger:
    """Runs a change and checks what every change promises: a new ledger, one version on, old one intact."""
    before = state(ledger)
    new = call(ledger, *args)
    assert new is not ledger
    assert new.version == ledger.version + 1
    assert state(ledger) == before
    assert new.guild_id == ledger.guild_id
    return new


def with_application(settings: GuildSettings | None = None, **kwargs) -> Ledger:
    """A ledger with one pending application "app-1" from PARTNER / REP."""
    pending = {**kwargs.pop("pending", {}), "app-1": PendingSlot(PARTNER, REP, SUBMITTED)}
    return make_ledger(settings, pending=pending, **kwargs)


# --- approve ------------------------------------------------------------------------------------------------


def test_approve_moves_the_slot_from_pending_to_active():
    ledger = with_application(SHOWCASED, pending=filler_pending(2))
    new = changed(rules.approve, ledger, "app-1", "ps-1", NOW)
    assert dict(new.pending) == filler_pending(2)
    assert dict(new.active) == {
        "ps-1": ActiveSlot(PARTNER, "app-1", REP, NOW, last_posted_at=None, post_requested_at=NOW)
    }
    assert new.active_partner_ids() == {PARTNER}
    assert new.pending_partner_ids() == {slot.partner_id for slot in filler_pending(2).values()}
    assert new.blacklisted == ledger.blacklisted
    assert dict(new.last_by_representative) == dict(ledger.last_by_representative)
    assert new.settings == ledger.settings


def test_a_full_submit_then_approve_round_trip():
    ledger = rules.submit(make_ledger(SHOWCASED), submission(), "app-1", SUBMITTED).ledger
    new = changed(rules.approve, ledger, "app-1", "ps-1", NOW)
    assert new.version == make_ledger().version + 2
    assert dict(new.pending) == {}
    assert set(new.active) == {"ps-1"}


@pytest.mark.parametrize("application_id", ["app-unknown", "fill-app-x"])
def test_only_a_pending_application_can_be_approved(application_id):
    violation = refused(rules.approve, with_application(), application_id, "ps-1", NOW, code=ErrorCode.INVALID_STATE)
    assert violation.message == "Only a pending application can be approved."


def test_approving_twice_is_invalid_state():
    once = rules.approve(with_application(), "app-1", "ps-1", NOW)
    refused(rules.approve, once, "app-1", "ps-2", NOW, code=ErrorCode.INVALID_STATE)


def test_a_denied_application_cannot_be_approved():
    denied = rules.deny(with_application(), "app-1", blacklist=False)
    refused(rules.approve, denied, "app-1", "ps-1", NOW, code=ErrorCode.INVALID_STATE)


def test_approving_a_partner_blacklisted_meanwhile_is_refused():
    ledger = rules.blacklist_add(with_application(), PARTNER)
    violation = refused(rules.approve, ledger, "app-1", "ps-1", NOW, code=ErrorCode.BLACKLISTED)
    assert violation.message == "This partner server is blacklisted; deny the application instead."
    # Denying it instead works, and keeps the blacklist as it is.
    denied = changed(rules.deny, ledger, "app-1", True)
    assert denied.blacklisted == frozenset({PARTNER})
    assert dict(denied.pending) == {}


@pytest.mark.parametrize(
    ("max_active", "already", "allowed"),
    [
        (3, 2, True),
        (3, 3, False),
        (1, 0, True),
        (1, 1, False),
        (0, 0, True),
        (0, 99, True),
        (0, 100, False),
        (100, 99, True),
        (100, 100, False),
        (2, 3, False),  # maxActive lowered below the current count
        (1, 5, False),
    ],
)
def test_approval_respects_the_active_limit(max_active, already, allowed):
    ledger = with_application(GuildSettings(max_active=max_active), active=filler_active(already))
    if allowed:
        new = changed(rules.approve, ledger, "app-1", "ps-1", NOW)
        assert len(new.active) == already + 1
        assert "app-1" not in new.pending
    else:
        violation = refused(rules.approve, ledger, "app-1", "ps-1", NOW, code=ErrorCode.ACTIVE_LIMIT_REACHED)
        limit = 100 if max_active == 0 else max_active
        assert violation.message == f"This server has {already} of {limit} active partnerships; end one first."


def test_blacklisted_is_reported_before_the_active_limit():
    ledger = with_application(GuildSettings(max_active=1), active=filler_active(1), blacklisted={PARTNER})
    refused(rules.approve, ledger, "app-1", "ps-1", NOW, code=ErrorCode.BLACKLISTED)


SHOWCASE_CASES = [
    (ChannelMode.SINGLE_CHANNEL, {"showcase_channel_id": SHOWCASE_CHANNEL}, True),
    (
        ChannelMode.SINGLE_CHANNEL,
        {"showcase_category_id": SHOWCASE_CATEGORY, "showcase_forum_id": SHOWCASE_FORUM},
        False,
    ),
    (ChannelMode.CHANNEL_PER_PARTNER, {"showcase_category_id": SHOWCASE_CATEGORY}, True),
    (ChannelMode.CHANNEL_PER_PARTNER, {"showcase_channel_id": SHOWCASE_CHANNEL}, False),
    (ChannelMode.FORUM_PER_PARTNER, {"showcase_forum_id": SHOWCASE_FORUM}, True),
    (ChannelMode.FORUM_PER_PARTNER, {"showcase_channel_id": SHOWCASE_CHANNEL}, False),
    (ChannelMode.SINGLE_CHANNEL, {}, False),
]


@pytest.mark.parametrize(("mode", "channels", "posts"), SHOWCASE_CASES)
def test_approval_requests_a_post_only_when_the_mode_has_a_showcase(mode, channels, posts):
    ledger = with_application(GuildSettings(channel_mode=mode, **channels))
    slot = changed(rules.approve, ledger, "app-1", "ps-1", NOW).active["ps-1"]
    assert slot.post_requested_at == (NOW if posts else None)
    assert slot.last_posted_at is None


# --- deny ------------------------------------------------------------------------------------------------------


def test_deny_removes_the_application_and_nothing_else():
    ledger = with_application(pending=filler_pending(3), active=filler_active(2), blacklisted={OTHER_PARTNER})
    new = changed(rules.deny, ledger, "app-1", False)
    assert dict(new.pending) == filler_pending(3)
    assert dict(new.active) == filler_active(2)
    assert new.blacklisted == frozenset({OTHER_PARTNER})


@pytest.mark.parametrize("blacklist", [False, True])
def test_only_a_pending_application_can_be_denied(blacklist):
    violation = refused(rules.deny, with_application(), "app-unknown", blacklist, code=ErrorCode.INVALID_STATE)
    assert violation.message == "Only a pending application can be denied."
    approved = rules.approve(with_application(), "app-1", "ps-1", NOW)
    refused(rules.deny, approved, "app-1", blacklist, code=ErrorCode.INVALID_STATE)
    denied = rules.deny(with_application(), "app-1", blacklist=False)
    refused(rules.deny, denied, "app-1", blacklist, code=ErrorCode.INVALID_STATE)


def test_deny_with_blacklist_adds_the_partner():
    new = changed(rules.deny, with_application(blacklisted={OTHER_PARTNER}), "app-1", True)
    assert new.blacklisted == frozenset({PARTNER, OTHER_PARTNER})
    assert dict(new.pending) == {}


def test_deny_with_blacklist_is_idempotent_for_a_partner_already_there():
    ledger = with_application(blacklisted={PARTNER})
    new = changed(rules.deny, ledger, "app-1", True)
    assert new.blacklisted == frozenset({PARTNER})
    assert dict(new.pending) == {}


def test_deny_with_blacklist_fills_the_500th_place():
    ledger = with_application(blacklisted=filler_blacklist(499))
    assert len(changed(rules.deny, ledger, "app-1", True).blacklisted) == 500


def test_deny_with_blacklist_on_a_full_blacklist_is_refused_and_changes_nothing():
    ledger = with_application(blacklisted=filler_blacklist(500))
    violation = refused(rules.deny, ledger, "app-1", True, code=ErrorCode.BLACKLIST_LIMIT_REACHED)
    assert violation.message == "The blacklist is full (500 servers); remove one first."
    assert "app-1" in ledger.pending


def test_a_full_blacklist_does_not_stop_a_plain_denial_or_one_already_listed():
    ledger = with_application(blacklisted=filler_blacklist(500))
    assert dict(changed(rules.deny, ledger, "app-1", False).pending) == {}
    listed = with_application(blacklisted=filler_blacklist(499) | {PARTNER})
    assert changed(rules.deny, listed, "app-1", True).blacklisted == listed.blacklisted


def test_a_partner_blacklisted_on_denial_is_auto_denied_next_time():
    ledger = rules.deny(with_application(GuildSettings(application_cooldown_hours=0)), "app-1", blacklist=True)
    outcome = rules.submit(ledger, submission(PARTNER, OTHER_REP), "app-2", NOW)
    assert outcome.auto_denied is True
    assert dict(outcome.ledger.pending) == {}


# --- create_manual --------------------------------------------------------------------------------------------


def test_staff_add_a_partner_by_hand():
    ledger = make_ledger(SHOWCASED)
    new = changed(rules.create_manual, ledger, PARTNER, REP, "app-m", "ps-m", NOW)
    assert dict(new.active) == {"ps-m": ActiveSlot(PARTNER, "app-m", REP, NOW, post_requested_at=NOW)}
    assert dict(new.pending) == {}
    assert dict(new.last_by_representative) == {}
    assert dict(new.last_by_partner) == {}


@pytest.mark.parametrize(("mode", "channels", "posts"), SHOWCASE_CASES)
def test_a_manual_partnership_requests_a_post_only_with_a_showcase(mode, channels, posts):
    ledger = make_ledger(GuildSettings(channel_mode=mode, **channels))
    slot = changed(rules.create_manual, ledger, PARTNER, REP, "app-m", "ps-m", NOW).active["ps-m"]
    assert slot.post_requested_at == (NOW if posts else None)


def test_manual_ignores_mode_cooldown_minimum_and_the_pending_limit():
    ledger = make_ledger(
        GuildSettings(application_mode=ApplicationMode.MANUAL, min_partner_member_count=10_000_000),
        pending=filler_pending(250),
        last_by_representative={REP: NOW - HOUR},
        last_by_partner={PARTNER: NOW - HOUR},
    )
    new = changed(rules.create_manual, ledger, PARTNER, REP, "app-m", "ps-m", NOW)
    assert set(new.active) == {"ps-m"}
    assert len(new.pending) == 250


def test_manual_refuses_a_blacklisted_partner():
    violation = refused(
        rules.create_manual,
        make_ledger(blacklisted={PARTNER}),
        PARTNER,
        REP,
        "app-m",
        "ps-m",
        NOW,
        code=ErrorCode.BLACKLISTED,
    )
    assert (violation.message, violation.field) == ("This partner server is blacklisted.", ("input", "partnerGuildId"))


def test_manual_refuses_an_active_partner():
    ledger = make_ledger(active={"ps-1": ActiveSlot(PARTNER, "app-1", OTHER_REP, NOW - HOUR)})
    violation = refused(rules.create_manual, ledger, PARTNER, REP, "app-m", "ps-m", NOW, code=ErrorCode.DUPLICATE)
    assert (violation.message, violation.field) == (
        "This server is already an active partner.",
        ("input", "partnerGuildId"),
    )


def test_manual_refuses_a_partner_with_a_pending_application():
    violation = refused(
        rules.create_manual, with_application(), PARTNER, REP, "app-m", "ps-m", NOW, code=ErrorCode.DUPLICATE
    )
    assert (violation.message, violation.field) == (
        "This server has a pending application; approve it instead.",
        ("input", "partnerGuildId"),
    )


@pytest.mark.parametrize(("max_active", "already"), [(3, 3), (0, 100), (2, 5)])
def test_manual_respects_the_active_limit(max_active, already):
    ledger = make_ledger(GuildSettings(max_active=max_active), active=filler_active(already))
    violation = refused(
        rules.create_manual, ledger, PARTNER, REP, "app-m", "ps-m", NOW, code=ErrorCode.ACTIVE_LIMIT_REACHED
    )
    assert (
        violation.message
        == f"This server has {already} of {ledger.settings.active_max} active partnerships; end one first."
    )


def test_manual_checks_blacklist_then_duplicate_then_limit():
    full = filler_active(1)
    ledger = with_application(GuildSettings(max_active=1), active=full, blacklisted={PARTNER})
    refused(rules.create_manual, ledger, PARTNER, REP, "app-m", "ps-m", NOW, code=ErrorCode.BLACKLISTED)
    ledger = with_application(GuildSettings(max_active=1), active=full)
    refused(rules.create_manual, ledger, PARTNER, REP, "app-m", "ps-m", NOW, code=ErrorCode.DUPLICATE)


# --- end --------------------------------------------------------------------------------------------------------


def test_end_removes_the_active_slot():
    ledger = make_ledger(active={**filler_active(2), "ps-1": ActiveSlot(PARTNER, "app-1", REP, NOW - HOUR)})
    new = changed(rules.end, ledger, "ps-1")
    assert dict(new.active) == filler_active(2)
    assert PARTNER not in new.active_partner_ids()


def test_only_an_active_partnership_can_be_ended():
    ledger = make_ledger(active={"ps-1": ActiveSlot(PARTNER, "app-1", REP, NOW - HOUR)})
    violation = refused(rules.end, ledger, "ps-unknown", code=ErrorCode.INVALID_STATE)
    assert violation.message == "Only an active partnership can be ended."
    ended = rules.end(ledger, "ps-1")
    refused(rules.end, ended, "ps-1", code=ErrorCode.INVALID_STATE)
    refused(rules.end, with_application(), "app-1", code=ErrorCode.INVALID_STATE)


def test_ending_one_makes_room_for_an_approval():
    ledger = with_application(GuildSettings(max_active=3), active=filler_active(3))
    refused(rules.approve, ledger, "app-1", "ps-1", NOW, code=ErrorCode.ACTIVE_LIMIT_REACHED)
    freed = changed(rules.end, ledger, "fill-ps-0")
    assert len(changed(rules.approve, freed, "app-1", "ps-1", NOW).active) == 3


# --- blacklist ------------------------------------------------------------------------------------------------


def test_blacklist_add_and_remove():
    ledger = make_ledger(blacklisted={OTHER_PARTNER})
    added = changed(rules.blacklist_add, ledger, PARTNER)
    assert added.blacklisted == frozenset({PARTNER, OTHER_PARTNER})
    removed = changed(rules.blacklist_remove, added, PARTNER)
    assert removed.blacklisted == frozenset({OTHER_PARTNER})
    assert removed.version == ledger.version + 2


def test_blacklisting_twice_is_a_duplicate():
    violation = refused(rules.blacklist_add, make_ledger(blacklisted={PARTNER}), PARTNER, code=ErrorCode.DUPLICATE)
    assert (violation.message, violation.field) == ("This server is already blacklisted.", ("partnerGuildId",))


def test_removing_an_absent_server_is_not_found():
    violation = refused(
        rules.blacklist_remove, make_ledger(blacklisted={OTHER_PARTNER}), PARTNER, code=ErrorCode.NOT_FOUND
    )
    assert (violation.message, violation.field) == ("This server is not blacklisted.", ("partnerGuildId",))


def test_the_blacklist_holds_500():
    ledger = make_ledger(blacklisted=filler_blacklist(499))
    full = changed(rules.blacklist_add, ledger, PARTNER)
    assert len(full.blacklisted) == 500
    violation = refused(rules.blacklist_add, full, OTHER_PARTNER, code=ErrorCode.BLACKLIST_LIMIT_REACHED)
    assert violation.message == "The blacklist is full (500 servers); remove one first."
    # A full blacklist still reports a duplicate as such, and removing one makes room.
    refused(rules.blacklist_add, full, PARTNER, code=ErrorCode.DUPLICATE)
    room = changed(rules.blacklist_remove, full, PARTNER)
    assert OTHER_PARTNER in changed(rules.blacklist_add, room, OTHER_PARTNER).blacklisted


def test_blacklisting_leaves_pending_and_active_slots_for_staff_to_decide():
    ledger = with_application(active={"ps-9": ActiveSlot(OTHER_PARTNER, "app-9", OTHER_REP, NOW - HOUR)})
    new = changed(rules.blacklist_add, rules.blacklist_add(ledger, PARTNER), OTHER_PARTNER)
    assert dict(new.pending) == dict(ledger.pending)
    assert dict(new.active) == dict(ledger.active)


# --- settings ---------------------------------------------------------------------------------------------------


def test_next_version_changes_nothing_but_the_version():
    ledger = with_application(SHOWCASED, active=filler_active(2), blacklisted={OTHER_PARTNER})
    new = changed(Ledger.next_version, ledger)
    assert state(new)[2:] == state(ledger)[2:]


def test_update_settings_is_a_change_too():
    ledger = with_application()
    new = changed(rules.update_settings, ledger, SHOWCASED)
    assert new.settings == SHOWCASED
    assert dict(new.pending) == dict(ledger.pending)
