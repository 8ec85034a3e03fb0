"""Representatives who turned the bump reminder DMs off, per guild (`BumpRemindersStopped`).

One document per (guild, representative), inserted by the projector; the reminder reads it before it
sends anything. Kept outside the ledger: it is no rule state, and the set only ever grows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .database import Database

COLLECTION = "bump_reminders_off"


def opt_out_doc(guild_id: int, representative_id: int, at: datetime) -> dict[str, Any]:
    return {
        "_id": f"{guild_id}:{representative_id}",
        "guild_id": str(guild_id),
        "representative_id": str(representative_id),
        "at": at,
    }


class BumpReminderOptOuts:
    def __init__(self, database: Database):
        self._coll = database.db[COLLECTION]

    async def stopped(self, guild_id: int, representative_id: int) -> bool:
        """True when the representative asked for no more bump reminders from this guild."""
        return await self._coll.find_one({"_id": f"{guild_id}:{representative_id}"}, {"_id": 1}) is not None
