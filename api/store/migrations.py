"""Markers of one-off data migrations (the `migrations` collection): one document per migration,
named by its _id, with how far it got, so a restarted process continues where the last one stopped
and a finished migration costs one read."""

from __future__ import annotations

from typing import Any

from .database import Database


class MigrationMarkers:
    def __init__(self, database: Database):
        self._coll = database.migrations

    async def get(self, name: str) -> dict[str, Any]:
        """The migration's marker; empty when it never ran."""
        return (await self._coll.find_one({"_id": name})) or {}

    async def advance(self, name: str, **fields: Any) -> None:
        await self._coll.update_one({"_id": name}, {"$set": fields}, upsert=True)
