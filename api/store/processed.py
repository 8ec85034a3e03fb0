"""Durable record of handled event ids, for handlers whose effect is not idempotent by itself."""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from ..clock import utcnow
from .database import Database


class ProcessedEvents:
    def __init__(self, database: Database):
        self._coll = database.processed

    async def seen(self, event_id: str) -> bool:
        return await self._coll.find_one({"_id": event_id}, {"_id": 1}) is not None

    async def mark(self, event_id: str) -> bool:
        try:
            await self._coll.insert_one({"_id": event_id, "at": utcnow()})
        except DuplicateKeyError:
            return False
        return True
