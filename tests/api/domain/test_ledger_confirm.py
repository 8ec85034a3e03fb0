"""The CONFIRM flow on the ledger: approval holds an active slot while the representative decides;
Continue activates it, No thanks and the deadline free it."""

from __future__ import annotations

import dataclasses

from api.domain import ledger as rules
from api.domain.enums import ApplicationSource, ApprovalFlow
from api.domain.errors import ErrorCode, RuleViolation
from api.domain.ledger import Ledger, PendingSlot

from . import builders
from .builders import HOUR, PARTNER, REP, SHOWCASED, T0, filler_active, make_ledger, submission

CONFIRM = dataclasses.replace(SHOWCASED, approval_flow=ApprovalFlow.CONFIRM, confirm_hours=72)
DEADLINE = T0 + 72 * HOUR


def awaiting(settings=CONFIRM, *, active=None) -> Ledger:
    pending = {"app": PendingSlot(PARTNER, REP, T0 - HOUR)}
    return rules.approve(make_ledger(settings, pending=pending, active=active), "app", "ps", T0)


def refused(call, ledger: Ledger, *args, code: ErrorCode = ErrorCode.INVALID_STATE) -> RuleViolation:
    return builders.refused(call, ledger, *args, code=code)


def test_confirm_approval_holds_a_slot_until_the_deadline_and_posts_nothing():
    ledger = awaiting()
    slot = ledger.active["ps"]
    assert (slot.awaiting_until, slot.post_requested_at) == (DEADLINE, None)
    assert ledger.awaiting_ids() == {"ps"}
    assert "app" not in ledger.pending and PARTNER in ledger.active_partner_ids()


def test_direct_approval_is_unchanged():
    ledger = awaiting(SHOWCASED)
    assert ledger.active["ps"].awaiting_until is None
    assert ledger.active["ps"].post_requested_at == T0
    assert ledger.awaiting_ids() == set()


def test_awaiting_slots_count_against_the_active_cap():
    capped = dataclasses.replace(CONFIRM, max_active=3)
    ledger = awaiting(capped, active=filler_active(2))
    assert len(ledger.active) == 3
    more = rules.submit(ledger, submission(PARTNER + 1, REP + 1), "app2", T0).ledger
    violation = refused(rules.approve, more, "app2", "ps2", T0, code=ErrorCode.ACTIVE_LIMIT_REACHED)
    assert "3 of 3" in violation.message


def test_continue_in_time_activates_and_requests_the_first_post():
    ledger = awaiting()
    confirmed = rules.confirm(ledger, "ps", DEADLINE - HOUR)
    slot = confirmed.active["ps"]
    assert (slot.awaiting_until, slot.post_requested_at) == (None, DEADLINE - HOUR)
    assert confirmed.version == ledger.version + 1
    assert confirmed.awaiting_ids() == set()


def test_continue_after_the_deadline_or_twice_is_refused():
    ledger = awaiting()
    assert "expired" in refused(rules.confirm, ledger, "ps", DEADLINE).message
    confirmed = rules.confirm(ledger, "ps", T0 + HOUR)
    refused(rules.confirm, confirmed, "ps", T0 + 2 * HOUR)
    refused(rules.decline, confirmed, "ps")


def test_no_thanks_frees_the_slot():
    ledger = awaiting()
    declined = rules.decline(ledger, "ps")
    assert "ps" not in declined.active and PARTNER not in declined.active_partner_ids()
    refused(rules.decline, declined, "ps")


def test_the_deadline_frees_only_an_unanswered_offer_once_due():
    ledger = awaiting()
    assert rules.expire(ledger, "ps", DEADLINE - HOUR) is None  # not due yet
    expired = rules.expire(ledger, "ps", DEADLINE)
    assert "ps" not in expired.active
    assert rules.expire(expired, "ps", DEADLINE) is None  # a repeated deadline changes nothing
    assert rules.expire(rules.confirm(ledger, "ps", T0 + HOUR), "ps", DEADLINE) is None  # answered in time


def test_an_awaiting_partnership_cannot_be_bumped_but_can_be_ended_by_staff():
    ledger = awaiting()
    refused(rules.bump, ledger, "ps", T0 + HOUR)
    assert ledger.next_bump_at("ps") is None
    assert "ps" not in rules.end(ledger, "ps").active


def test_the_offer_can_be_sent_again_only_while_open():
    ledger = awaiting()
    assert rules.check_awaiting(ledger, "ps", T0 + HOUR) == DEADLINE
    refused(rules.check_awaiting, ledger, "ps", DEADLINE)
    refused(rules.check_awaiting, rules.confirm(ledger, "ps", T0 + HOUR), "ps", T0 + 2 * HOUR)


def test_a_mutual_request_is_active_at_once_under_confirm():
    # Its representative is the partner's staff member who approved us: agreed already.
    pending = {"app": PendingSlot(PARTNER, REP, T0 - HOUR)}
    ledger = rules.approve(make_ledger(CONFIRM, pending=pending), "app", "ps", T0, ApplicationSource.MUTUAL)
    assert ledger.is_active("ps") and ledger.awaiting_ids() == set()
    assert ledger.active["ps"].post_requested_at == T0


def test_an_offer_awaiting_the_partner_cannot_be_bumped_re_advertised_or_edited():
    ledger = awaiting()
    assert not ledger.is_active("ps")
    assert rules.own_active(ledger, REP) == []  # /ppartner bump and ad find nothing to act on
    refused(rules.propose_ad, ledger, "ps", REP, "ad1", code=ErrorCode.NOT_FOUND)
    refused(rules.edit, ledger, "ps", REP)
    confirmed = rules.confirm(ledger, "ps", T0 + HOUR)
    assert confirmed.is_active("ps") and rules.own_active(confirmed, REP) == ["ps"]
    assert rules.propose_ad(confirmed, "ps", REP, "ad1").active["ps"].proposal_id == "ad1"
