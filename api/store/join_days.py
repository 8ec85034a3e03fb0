"""Daily join buckets: joins, leaves and fakes per UTC day, per partnership and per guild.

One document per (scope, day), updated with each event, so a series of any length is one read on
the (scope, day) index whatever the number of joins. The scope is a partnership id, or
`guild:<id>` for the guild's total.
"""

from __future__ import annotations

from collections import Counter

from ..domain.join_quality import DayCounts
from .database import Database
from .event_counters import add_once

# Ids remembered per bucket (see event_counters): above the largest batch of the join service.
BUCKET_WINDOW = 500


def guild_scope(guild_id: int) -> str:
    return f"guild:{guild_id}"


class JoinDayRepository:
    guild_scope = staticmethod(guild_scope)

    def __init__(self, database: Database):
        self._coll = database.join_days

    async def add(self, scope: str, guild_id: int, day: str, per_event: dict[str, Counter]) -> None:
        """Adds each event's {joins, left, fake} to the bucket once (idempotent with the event id)."""
        on_insert = {"scope": scope, "guild_id": str(guild_id), "day": day}
        await add_once(self._coll, f"{scope}:{day}", per_event, BUCKET_WINDOW, on_insert)

    async def series(self, scope: str, first_day: str, last_day: str) -> dict[str, DayCounts]:
        query = {"scope": scope, "day": {"$gte": first_day, "$lte": last_day}}
        cursor = self._coll.find(query, {"day": 1, "joins": 1, "left": 1, "fake": 1, "_id": 0})
        return {
            d["day"]: DayCounts(d["day"], d.get("joins", 0), d.get("left", 0), d.get("fake", 0)) async for d in cursor
        }
