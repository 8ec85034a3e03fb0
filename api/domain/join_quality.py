"""Which attributed joins count, and which of them are fake; the daily series of a partnership.

Plain rules over plain values (no I/O): the join service feeds them what it read and writes what
they decide.

- A member who joins through a partnership they already joined through is a *rejoin*: the member is
  counted once, so a rejoin adds nothing to joins or fake (it does make them present again).
- A counted join is *fake* when the account was younger than minAccountAgeDays when it joined, when
  the member is the partnership's own representative (joining through their own tracked invite), or
  later, when the member leaves within fakeJoinSeconds of joining. A fake join still counts in
  joinCount (fakeCount is "of joinCount, the fake ones").
- Fake is counted on the day of the join, a leave on the day of the leave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

MAX_SERIES_DAYS = 365


class FakeReason(StrEnum):
    YOUNG_ACCOUNT = "YOUNG_ACCOUNT"
    OWN_INVITE = "OWN_INVITE"
    QUICK_LEAVE = "QUICK_LEAVE"


@dataclass(frozen=True, slots=True)
class JoinRules:
    """The two guild settings that decide fakes. 0 turns a rule off."""

    fake_join_seconds: int = 600
    min_account_age_days: int = 0


def fake_on_join(
    rules: JoinRules, joined_at: datetime, account_created_at: datetime, user_id: int, representative_id: int
) -> FakeReason | None:
    """Why a counted join is fake as soon as it happens, or None."""
    if user_id == representative_id:
        return FakeReason.OWN_INVITE
    if rules.min_account_age_days and joined_at - account_created_at < timedelta(days=rules.min_account_age_days):
        return FakeReason.YOUNG_ACCOUNT
    return None


def fake_on_leave(rules: JoinRules, joined_at: datetime, left_at: datetime) -> bool:
    """A member who leaves within fakeJoinSeconds of joining was a fake join."""
    return bool(rules.fake_join_seconds) and left_at - joined_at < timedelta(seconds=rules.fake_join_seconds)


def day_of(at: datetime) -> str:
    """The UTC day of a moment, as the series names it (YYYY-MM-DD). Naive datetimes are UTC."""
    offset = at.utcoffset()
    return (at - offset if offset else at).date().isoformat()


@dataclass(frozen=True, slots=True)
class DayCounts:
    day: str
    joins: int = 0
    left: int = 0
    fake: int = 0


def series_days(days: int, today: date) -> list[str]:
    """The `days` UTC days ending today, oldest first. ValueError outside 1..365."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_SERIES_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_SERIES_DAYS}.")
    return [(today - timedelta(days=back)).isoformat() for back in range(days - 1, -1, -1)]


def fill_series(days: list[str], buckets: dict[str, DayCounts]) -> list[DayCounts]:
    """One entry per day, zeros where nothing happened."""
    return [buckets.get(day, DayCounts(day)) for day in days]
