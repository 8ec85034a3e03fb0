"""Guilds the bot is in, as the cluster reports them when a shard becomes ready.

Used by the dashboard login: a guild's owner and managers get access as soon as the bot is there,
before anyone has saved settings. Entries are not removed when the bot leaves a guild (no event
says so yet); a stale entry only lets a guild's own managers see an empty queue.
"""

from __future__ import annotations

from pymongo.errors import BulkWriteError

from ..clock import utcnow
from .database import Database


class BotGuildRepository:
    def __init__(self, database: Database):
        self._coll = database.db["bot_guilds"]

    async def mark_present(self, guild_ids: list[int]) -> None:
        if not guild_ids:
            return
        now = utcnow()
        try:
            await self._coll.insert_many([{"_id": str(g), "seen_at": now} for g in guild_ids], ordered=False)
        except BulkWriteError:
            pass  # already known: duplicates are expected on every reconnect

    async def present(self, guild_ids: list[int]) -> set[int]:
        cursor = self._coll.find({"_id": {"$in": [str(g) for g in guild_ids]}}, {"_id": 1})
        return {int(d["_id"]) async for d in cursor}
