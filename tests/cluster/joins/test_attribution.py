"""The attribution rules as pure functions: provable cases labelled, everything else AMBIGUOUS or
UNKNOWN, never guessed."""

from __future__ import annotations

import pytest

from bus.contracts.common import JoinType
from cluster.invites.attribution import (
    UNKNOWN,
    Label,
    attribute,
    invite_rises,
    label_batch,
    uses_accounted,
    vanished_rises,
    vanity_rise,
)
from cluster.invites.snapshot import InviteSnapshot

INVITE, VANITY, AMBIGUOUS = JoinType.INVITE, JoinType.VANITY, JoinType.AMBIGUOUS


def test_rises_only_counts_codes_that_went_up() -> None:
    before = {"a": 3, "b": 7, "c": 0}
    after = {"a": 5, "b": 7, "c": 0, "new": 2}
    assert invite_rises(before, after) == {"a": 2, "new": 2}  # an invite we never saw starts at 0
    assert invite_rises({"a": 5}, {"a": 4}) == {}  # never negative


@pytest.mark.parametrize(
    ("joins", "rises", "vanity", "expected"),
    [
        (1, {"a": 1}, 0, Label(INVITE, "a")),
        (3, {"a": 3}, 0, Label(INVITE, "a")),
        (2, {}, 2, Label(VANITY, "cool")),
        (1, {}, 0, UNKNOWN),
        (4, {"a": 0}, 0, UNKNOWN),
        # two joins, two invites each +1: who used which cannot be told
        (2, {"a": 1, "b": 1}, 0, Label(AMBIGUOUS, None, ("a", "b"))),
        # three joins, A +2 and B +1: ambiguous for all three
        (3, {"a": 2, "b": 1}, 0, Label(AMBIGUOUS, None, ("a", "b"))),
        # an invite and the vanity together
        (2, {"a": 1}, 1, Label(AMBIGUOUS, None, ("a", "cool"))),
        # more joins than uses: one came another way, we cannot say which
        (2, {"a": 1}, 0, Label(AMBIGUOUS, None, ("a",))),
        (3, {}, 2, Label(AMBIGUOUS, None, ("cool",))),
        # more uses than joins (a join not delivered yet): not provable either
        (1, {"a": 2}, 0, Label(AMBIGUOUS, None, ("a",))),
    ],
)
def test_attribute(joins: int, rises: dict[str, int], vanity: int, expected: Label) -> None:
    assert attribute(joins, rises, vanity_code="cool", vanity_rise=vanity) == expected


def test_vanity_rise_needs_the_same_code_and_known_counts() -> None:
    assert vanity_rise("cool", 10, "cool", 13) == 3
    assert vanity_rise("cool", 10, "cool", 10) == 0
    assert vanity_rise("cool", None, "cool", 13) == 0  # not readable before: no claim
    assert vanity_rise("cool", 10, "other", 13) == 0  # the vanity code changed in between
    assert vanity_rise(None, None, None, None) == 0
    assert attribute(1, {}, vanity_code=None, vanity_rise=1) == UNKNOWN


def test_bots_are_unknown_and_do_not_count_as_joins() -> None:
    # bot accounts are added through OAuth2, never through an invite
    labels = label_batch([False, True, False], {"a": 2})
    assert labels == [Label(INVITE, "a"), UNKNOWN, Label(INVITE, "a")]
    assert label_batch([True], {"a": 1}) == [UNKNOWN]


def test_used_up_invite_counts_as_a_rise_of_its_remaining_uses() -> None:
    before = {"single": 0, "five": 3, "open": 9, "kept": 1}
    after = {"kept": 1}
    limited = {"single": (1, 0), "five": (5, 0)}
    assert vanished_rises(before, after, limited, now=1000.0) == {"single": 1, "five": 2}
    # "open" had no limit: it was deleted or expired, not used


def test_expired_or_long_deleted_invites_are_no_rise() -> None:
    before = {"expired": 0, "old_delete": 0, "fresh_delete": 0}
    limited = {"expired": (1, 500), "old_delete": (1, 0), "fresh_delete": (1, 0)}
    deleted_at = {"old_delete": 10.0, "fresh_delete": 95.0}
    rises = vanished_rises(before, set(), limited, now=1000.0, deleted_at=deleted_at, recent_since=90.0)
    assert rises == {"fresh_delete": 1}


def test_vanished_single_use_invites_make_an_ambiguous_batch() -> None:
    before = {"one": 0, "two": 0}
    rises = vanished_rises(before, set(), {"one": (1, 0), "two": (1, 0)}, now=0.0)
    assert attribute(2, rises) == Label(AMBIGUOUS, None, ("one", "two"))
    assert uses_accounted(rises, 1) == 3


def test_snapshot_keeps_ints_and_follows_invite_events() -> None:
    snap = InviteSnapshot.from_payloads(
        [
            {"code": "a", "uses": 4, "max_uses": 0, "expires_at": None, "guild": {"id": "1"}},
            {"code": "b", "uses": 0, "max_uses": 1, "expires_at": "2030-01-01T00:00:00+00:00"},
        ],
        vanity_code="cool",
        vanity_uses=7,
    )
    assert snap.uses == {"a": 4, "b": 0}
    assert snap.limited == {"b": (1, 1893456000)}
    assert all(type(v) is int for v in snap.uses.values())
    snap.put("c", 0)
    snap.remove("a", now=1.0)  # no limit: gone at once
    snap.remove("b", now=2.0)  # uses left: kept until the next fetch, with when it was deleted
    assert snap.uses == {"b": 0, "c": 0} and snap.deleted == {"b": 2.0}
    snap.put("b", 0, 1)  # a fetch or a re-create clears the deletion mark
    assert snap.deleted == {}
