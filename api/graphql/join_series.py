"""`DailyJoins` and the series resolver shared by Partnership.joinSeries and Guild.joinSeries."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from ..domain.join_quality import fill_series, series_days
from .errors import bad_input


@strawberry.type(description="Attributed joins of one UTC day.")
class DailyJoins:
    day: str = strawberry.field(description="YYYY-MM-DD (UTC).")
    joins: int
    left: int
    fake: int


async def join_series(container, scope: str, days: int | None) -> list[DailyJoins]:
    """One read of the daily buckets, zeros filled in; BAD_USER_INPUT for days outside 1..365."""
    try:
        wanted = series_days(30 if days is None else days, datetime.now(UTC).date())
    except ValueError as exc:
        raise bad_input(str(exc)) from None
    buckets = await container.join_days.series(scope, wanted[0], wanted[-1])
    return [DailyJoins(day=c.day, joins=c.joins, left=c.left, fake=c.fake) for c in fill_series(wanted, buckets)]
