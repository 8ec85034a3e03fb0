"""The join-quality rules alone: which joins are fake, and the shape of a series."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from api.domain.join_quality import (
    DayCounts,
    FakeReason,
    JoinRules,
    day_of,
    fake_on_join,
    fake_on_leave,
    fill_series,
    series_days,
)

T = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_own_invite_wins_over_account_age_and_age_is_off_at_zero():
    rules = JoinRules(min_account_age_days=7)
    assert fake_on_join(rules, T, T - timedelta(days=1), 5, 5) is FakeReason.OWN_INVITE
    assert fake_on_join(rules, T, T - timedelta(days=6, hours=23), 5, 6) is FakeReason.YOUNG_ACCOUNT
    assert fake_on_join(rules, T, T - timedelta(days=7), 5, 6) is None
    assert fake_on_join(JoinRules(min_account_age_days=0), T, T, 5, 6) is None


def test_a_leave_is_fake_strictly_within_the_window_and_never_when_off():
    rules = JoinRules(fake_join_seconds=600)
    assert fake_on_leave(rules, T, T + timedelta(seconds=599))
    assert not fake_on_leave(rules, T, T + timedelta(seconds=600))
    assert not fake_on_leave(JoinRules(fake_join_seconds=0), T, T)


def test_days_are_utc_days():
    assert day_of(datetime(2026, 3, 1, 23, 30, tzinfo=timezone(timedelta(hours=-2)))) == "2026-03-02"
    assert day_of(datetime(2026, 3, 1, 0, 30)) == "2026-03-01"


def test_a_series_is_oldest_first_with_zeros_and_bounded():
    days = series_days(3, date(2026, 3, 1))
    assert days == ["2026-02-27", "2026-02-28", "2026-03-01"]
    assert fill_series(days, {"2026-02-28": DayCounts("2026-02-28", 2, 1, 1)}) == [
        DayCounts("2026-02-27"), DayCounts("2026-02-28", 2, 1, 1), DayCounts("2026-03-01")
    ]  # fmt: skip
    for bad in (0, 366, True):
        with pytest.raises(ValueError):
            series_days(bad, date(2026, 3, 1))
