"""What a representative may do on the ledger: withdraw their pending application; which records are theirs."""

from __future__ import annotations

import pytest

from api.domain import ledger as rules
from api.domain.errors import ErrorCode, RuleViolation
from api.domain.ledger import ActiveSlot, PendingSlot

from .builders import HOUR, PARTNER, REP, T0, make_ledger, submission


def test_withdraw_frees_the_pending_slot_and_keeps_the_cooldown_stamp():
    ledger = rules.submit(make_ledger(), submission(), "app", T0).ledger
    withdrawn = rules.withdraw(ledger, "app", REP)
    assert withdrawn.pending == {} and withdrawn.version == ledger.version + 1
    assert withdrawn.last_by_representative[REP] == T0 and withdrawn.last_by_partner[PARTNER] == T0
    with pytest.raises(RuleViolation) as refused:  # a new application waits out the cooldown as usual
        rules.submit(withdrawn, submission(), "again", T0 + HOUR)
    assert refused.value.code is ErrorCode.COOLDOWN


def test_only_the_representative_withdraws_and_only_while_pending():
    ledger = make_ledger(pending={"app": PendingSlot(PARTNER, REP, T0)})
    with pytest.raises(RuleViolation) as stranger:
        rules.withdraw(ledger, "app", REP + 1)
    assert stranger.value.code is ErrorCode.NOT_FOUND
    approved = rules.approve(ledger, "app", "p1", T0)
    with pytest.raises(RuleViolation) as late:  # staff decided first: the withdrawal loses
        rules.withdraw(approved, "app", REP)
    assert late.value.code is ErrorCode.INVALID_STATE


def test_own_records_and_queue_position():
    ledger = make_ledger(
        pending={
            "b": PendingSlot(PARTNER + 1, REP, T0 + HOUR),
            "a": PendingSlot(PARTNER + 2, REP + 1, T0),
            "c": PendingSlot(PARTNER + 3, REP, T0 - HOUR),
        },
        active={"p": ActiveSlot(PARTNER + 4, "x", REP, T0), "q": ActiveSlot(PARTNER + 5, "y", REP + 1, T0)},
    )
    assert rules.own_pending(ledger, REP) == ["c", "b"] and rules.own_active(ledger, REP) == ["p"]
    assert rules.own_awaiting(ledger, REP) == []
    assert [rules.queue_position(ledger, i) for i in ("c", "a", "b", "gone")] == [1, 2, 3, None]


def test_an_offer_awaiting_the_answer_is_the_representatives_but_not_active():
    waiting = ActiveSlot(PARTNER + 6, "z", REP, T0, awaiting_until=T0 + HOUR)
    ledger = make_ledger(active={"p": ActiveSlot(PARTNER + 4, "x", REP, T0), "w": waiting})
    assert rules.own_awaiting(ledger, REP) == ["w"] and rules.own_active(ledger, REP) == ["p"]
    assert rules.own_awaiting(ledger, REP + 1) == []


def test_one_proposed_ad_at_a_time_only_from_the_representative_decided_once():
    ledger = make_ledger(active={"p": ActiveSlot(PARTNER, "x", REP, T0)})
    with pytest.raises(RuleViolation) as stranger:
        rules.propose_ad(ledger, "p", REP + 1, "ad1")
    assert stranger.value.code is ErrorCode.NOT_FOUND
    proposed = rules.propose_ad(ledger, "p", REP, "ad1")
    assert proposed.active["p"].proposal_id == "ad1"
    with pytest.raises(RuleViolation) as twice:
        rules.propose_ad(proposed, "p", REP, "ad2")
    assert twice.value.code is ErrorCode.DUPLICATE
    decided = rules.decide_ad(proposed, "p", "ad1")
    assert decided.active["p"].proposal_id is None
    for stale in ((decided, "ad1"), (proposed, "ad2")):  # decided already, or not the one waiting
        with pytest.raises(RuleViolation) as late:
            rules.decide_ad(stale[0], "p", stale[1])
        assert late.value.code is ErrorCode.INVALID_STATE
    assert rules.propose_ad(decided, "p", REP, "ad2").active["p"].proposal_id == "ad2"
