"""Attributed joins: one document per join, for stats over time and retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from .database import Database


class JoinRepository:
    def __init__(self, database: Database):
        self._coll = database.joins

    async def record_join(self, event_id: str, guild_id: int, partnership_id: str, user_id: int, at: datetime) -> bool:
        """Stores the join once per event id; False when it was stored before (a redelivery)."""
        try:
            await self._coll.insert_one(
                {"_id": event_id, "guild_id": str(guild_id), "partnership_id": partnership_id, "user_id": str(user_id),
                 "joined_at": at, "left_at": None}
            )  # fmt: skip
        except DuplicateKeyError:
            return False
        return True

    async def mark_left(self, event_id: str, guild_id: int, user_id: int, at: datetime) -> str | None:
        """Marks the member's latest attributed, still-present join as left; returns its partnership.

        Keyed by the leave event's id, so a redelivered leave finds the join it marked before."""
        marked = await self._coll.find_one({"guild_id": str(guild_id), "left_event": event_id}, {"partnership_id": 1})
        if marked is not None:
            return marked["partnership_id"]
        doc = await self._coll.find_one_and_update(
            {"guild_id": str(guild_id), "user_id": str(user_id), "left_at": None},
            {"$set": {"left_at": at, "left_event": event_id}},
            sort=[("joined_at", -1)],
        )
        return None if doc is None else doc["partnership_id"]

    async def stats(self, guild_id: int, since: datetime | None, until: datetime | None) -> dict[str, tuple[int, int]]:
        """partnership id -> (joins, retained) for joins in [since, until)."""
        match: dict[str, Any] = {"guild_id": str(guild_id)}
        window: dict[str, Any] = {}
        if since is not None:
            window["$gte"] = since
        if until is not None:
            window["$lt"] = until
        if window:
            match["joined_at"] = window
        pipeline = [
            {"$match": match},
            {"$group": {"_id": "$partnership_id", "joins": {"$sum": 1},
                        "retained": {"$sum": {"$cond": [{"$eq": ["$left_at", None]}, 1, 0]}}}},
        ]  # fmt: skip
        return {d["_id"]: (d["joins"], d["retained"]) async for d in self._coll.aggregate(pipeline)}
