"""Durable record of handled event ids, for handlers whose effect is not idempotent by itself."""

from __future__ import annotations

from pymongo.errors import BulkWriteError, DuplicateKeyError

from ..clock import utcnow
from .database import Database


class ProcessedEvents:
    def __init__(self, database: Database):
        self._coll = database.processed

    async def seen(self, event_id: str) -> bool:
        return await self._coll.find_one({"_id": event_id}, {"_id": 1}) is not None

    async def seen_many(self, event_ids: list[str]) -> set[str]:
        if not event_ids:
            return set()
        return {d["_id"] async for d in self._coll.find({"_id": {"$in": list(event_ids)}}, {"_id": 1})}

    async def mark_many(self, event_ids: list[str]) -> None:
        """Inserts only, by _id: cheap however many are stored. Already marked ones stay as they are."""
        if not event_ids:
            return
        at = utcnow()
        try:
            await self._coll.insert_many([{"_id": e, "at": at} for e in event_ids], ordered=False)
        except BulkWriteError as exc:
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise

    async def mark(self, event_id: str) -> bool:
        try:
            await self._coll.insert_one({"_id": event_id, "at": utcnow()})
        except DuplicateKeyError:
            return False
        return True
