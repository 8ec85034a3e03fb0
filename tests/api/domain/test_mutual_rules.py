"""The pure rules of mutual partnerships: who runs the bot, reciprocity, the pair's key, when
NOT_RECIPROCATED opens and closes, the reverse request, and B's rules applied to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.domain import ledger as rules
from api.domain import mutual
from api.domain.enums import ApplicationSource, PartnershipStatus, Reciprocity
from api.domain.errors import ErrorCode, RuleViolation
from api.domain.models import GuildSettings, PartnerServer, Partnership, Submission

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
A, B = 1100000000000000000, 1100000000000000777


def test_a_server_runs_the_bot_when_present_with_settings_and_mutual_on():
    assert mutual.runs_bot(True, GuildSettings())
    assert not mutual.runs_bot(True, GuildSettings(mutual_partnerships=False))
    assert not mutual.runs_bot(True, None)  # the bot is there but nobody set the server up
    assert not mutual.runs_bot(False, GuildSettings())


@pytest.mark.parametrize(
    ("runs", "showcases", "expected"),
    [(True, True, Reciprocity.YES), (True, False, Reciprocity.NO), (False, True, Reciprocity.UNKNOWN),
     (False, False, Reciprocity.UNKNOWN)],
)  # fmt: skip
def test_reciprocity(runs, showcases, expected):
    assert mutual.reciprocity(runs, showcases) is expected


def test_the_pair_key_is_the_same_from_either_side():
    assert mutual.pair_key(A, B) == mutual.pair_key(B, A) == f"{A}:{B}"


@pytest.mark.parametrize(
    ("seen", "is_open", "expected"),
    [(Reciprocity.NO, False, mutual.ProblemChange.OPEN), (Reciprocity.NO, True, None),
     (Reciprocity.YES, True, mutual.ProblemChange.CLOSE), (Reciprocity.UNKNOWN, True, mutual.ProblemChange.CLOSE),
     (Reciprocity.YES, False, None), (Reciprocity.UNKNOWN, False, None)],
)  # fmt: skip
def test_not_reciprocated_opens_on_no_and_closes_otherwise(seen, is_open, expected):
    assert mutual.not_reciprocated_change(seen, is_open) is expected


def test_the_problem_gets_the_usual_grace_from_when_it_opened():
    problem = mutual.not_reciprocated("Beta Den", NOW)
    assert problem.code == "NOT_RECIPROCATED" and "Beta Den" in problem.message
    assert mutual.grace_ends_at(problem, GuildSettings(health_grace_hours=48)) == NOW + timedelta(hours=48)


def ours(**over) -> Partnership:
    partner = PartnerServer(B, "Beta Den", None, 50, "beta")
    return Partnership("p1", A, "a1", partner, 7, "their ad", PartnershipStatus.ACTIVE, NOW, **over)


def test_the_reverse_request_carries_our_ad_with_our_tracked_invite_and_the_approver():
    request = mutual.reverse_request(ours(), GuildSettings(advertisement="Alpha! {invite}"), "Alpha Hub", None, 900,
                                     "trk", approved_by=42)  # fmt: skip
    assert request == mutual.ReverseRequest(
        PartnerServer(A, "Alpha Hub", None, 900, "trk"), 42, "Alpha! https://discord.gg/trk"
    )


def test_no_reverse_request_without_our_advertisement_or_an_approver():
    assert "advertisement" in mutual.reverse_request(ours(), GuildSettings(), "Alpha", None, None, "trk", 42)
    assert "staff member" in mutual.reverse_request(
        ours(), GuildSettings(advertisement="Alpha"), "Alpha", None, None, "trk", None
    )


def submission(members: int | None = 900) -> Submission:
    partner = PartnerServer(A, "Alpha Hub", None, members, "trk")
    return Submission(B, partner, 42, "Alpha!", ApplicationSource.MUTUAL, NOW)


def test_a_mutual_request_is_queued_whatever_the_application_mode():
    from api.domain.enums import ApplicationMode

    ledger = rules.Ledger(B, settings=GuildSettings(application_mode=ApplicationMode.MANUAL))
    new = rules.submit_mutual(ledger, submission(), "m1", NOW)
    assert new.pending["m1"].partner_id == A


@pytest.mark.parametrize(
    ("ledger", "code"),
    [
        (rules.Ledger(B, settings=GuildSettings(mutual_partnerships=False)), ErrorCode.APPLICATIONS_CLOSED),
        (rules.Ledger(B, blacklisted=frozenset({A})), ErrorCode.BLACKLISTED),
        (rules.Ledger(B, settings=GuildSettings(min_partner_member_count=1000)), ErrorCode.BELOW_MIN_MEMBERS),
        (rules.Ledger(B, settings=GuildSettings(max_active=1),
                      active={"x": rules.ActiveSlot(5, "a", 6, NOW)}), ErrorCode.ACTIVE_LIMIT_REACHED),
        (rules.Ledger(B, last_by_partner={A: NOW - timedelta(hours=1)}), ErrorCode.COOLDOWN),
        (rules.Ledger(B, pending={"p": rules.PendingSlot(A, 6, NOW)}), ErrorCode.DUPLICATE),
    ],
)  # fmt: skip
def test_b_rules_refuse_a_mutual_request_and_record_nothing(ledger, code):
    with pytest.raises(RuleViolation) as refused:
        rules.submit_mutual(ledger, submission(), "m1", NOW)
    assert refused.value.code is code
