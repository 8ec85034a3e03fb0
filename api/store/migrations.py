"""Markers of one-off data migrations (the `migrations` collection): one document per migration,
named by its _id, with how far it got, so a restarted process continues where the last one stopped
and a finished migration costs one read. A finished one has `done_at` (set once, never unset: a
slower replica's pass must not undo it)."""

from __future__ import annotations

from typing import Any

from ..clock import utcnow
from .database import Database


class MigrationMarkers:
    def __init__(self, database: Database):
        self._coll = database.migrations

    async def get(self, name: str) -> dict[str, Any]:
        """The migration's marker; empty when it never ran."""
        return (await self._coll.find_one({"_id": name})) or {}

    async def advance(self, name: str, **fields: Any) -> None:
        await self._coll.update_one({"_id": name}, {"$set": fields}, upsert=True)

    async def finish(self, name: str, **fields: Any) -> None:
        await self.advance(name, done_at=utcnow(), **fields)

    @staticmethod
    def finished(marker: dict[str, Any]) -> bool:
        # `done: true`: how the member-claims backfill marked it in the release that introduced it.
        return marker.get("done_at") is not None or marker.get("done") is True
