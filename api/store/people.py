"""Discord users' display names and avatars, as last seen: representatives when they apply (from the
cluster), staff when they sign in to the dashboard. One document per user; only ever a label for an
id the API already holds (never used to decide anything)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from ..clock import utcnow
from .database import Database


@dataclass(frozen=True, slots=True)
class Person:
    user_id: int
    name: str
    avatar_url: str | None


class PeopleRepository:
    def __init__(self, database: Database):
        self._coll = database.db["people"]

    async def remember(self, person: Person, seen_at: datetime | None = None) -> None:
        """Keeps the latest sighting: an older one (a redelivered event, a slower replica) never
        replaces a newer one. One conditional write, like the guild directory's."""
        seen_at = seen_at or utcnow()
        doc = {"name": person.name, "avatar_url": person.avatar_url, "seen_at": seen_at}
        try:
            await self._coll.update_one(
                {"_id": str(person.user_id), "seen_at": {"$lte": seen_at}}, {"$set": doc}, upsert=True
            )
        except DuplicateKeyError:
            pass  # a newer sighting is stored: the upsert's insert collided with it

    async def get_many(self, user_ids: list[int]) -> dict[int, Person]:
        cursor = self._coll.find({"_id": {"$in": [str(u) for u in user_ids]}})
        return {int(d["_id"]): Person(int(d["_id"]), d["name"], d.get("avatar_url")) async for d in cursor}
