"""Reads of partnership documents, plus the writes that are not guild-ledger state:
tracked invite, showcase placement details, the join counters and uneventful health checks."""

from __future__ import annotations

from datetime import datetime

from ..domain.enums import PartnershipStatus
from ..domain.models import Health, PartnerServer, Partnership
from .database import Database
from .documents import health_to_doc, partner_to_doc, partnership_from_doc
from .paging import keyset_page

# How many recent join/leave event ids a partnership remembers to make its counters idempotent. A join
# document records that it was counted, so a redelivery normally stops there; these ids only cover a
# crash between the increment and that mark, a gap of one event per worker: a small window suffices
# (and keeps the document small: it is rewritten on every join).
RECENT_EVENTS_WINDOW = 100


class PartnershipRepository:
    def __init__(self, database: Database):
        self._coll = database.partnerships

    async def get(self, partnership_id: str) -> Partnership | None:
        doc = await self._coll.find_one({"_id": partnership_id})
        return None if doc is None else partnership_from_doc(doc)

    async def get_many(self, ids: list[str]) -> dict[str, Partnership]:
        return {
            d["_id"]: partnership_from_doc(d)
            async for d in self._coll.find({"_id": {"$in": ids}}, {"recent_events": 0})
        }

    async def page(
        self,
        guild_id: int,
        status: PartnershipStatus | None,
        first: int,
        after: tuple[datetime, str] | None,
        newest_first: bool,
    ) -> tuple[list[Partnership], bool]:
        query: dict = {"guild_id": str(guild_id)}
        if status is not None:
            query["status"] = status.value
        docs, more = await keyset_page(self._coll, query, "started_at", first, after, newest_first)
        return [partnership_from_doc(d) for d in docs], more

    async def count(self, guild_id: int, status: PartnershipStatus | None) -> int:
        query: dict = {"guild_id": str(guild_id)}
        if status is not None:
            query["status"] = status.value
        return await self._coll.count_documents(query)

    async def by_invite_code(self, guild_id: int, code: str) -> Partnership | None:
        doc = await self._coll.find_one(
            {"guild_id": str(guild_id), "tracked_invite_code": code}, {"recent_events": 0}, sort=[("started_at", -1)]
        )
        return None if doc is None else partnership_from_doc(doc)

    async def active_for_representative(self, guild_id: int, user_id: int) -> list[Partnership]:
        query = {"guild_id": str(guild_id), "representative_id": str(user_id), "status": "ACTIVE"}
        return [partnership_from_doc(d) async for d in self._coll.find(query, {"recent_events": 0})]

    async def set_tracked_invite(self, partnership_id: str, code: str) -> None:
        await self._coll.update_one({"_id": partnership_id}, {"$set": {"tracked_invite_code": code}})

    async def count_event(self, partnership_id: str, event_id: str, joins: int, retained: int) -> bool:
        """Adds to the counters once per event id (atomic check-and-increment on one document).

        Returns False when this event was already counted (a redelivery)."""
        result = await self._coll.update_one(
            {"_id": partnership_id, "recent_events": {"$ne": event_id}},
            {
                "$inc": {"join_count": joins, "retained_count": retained},
                "$push": {"recent_events": {"$each": [event_id], "$slice": -RECENT_EVENTS_WINDOW}},
            },
        )
        return result.modified_count == 1

    async def record_check(self, partnership_id: str, health: Health, partner: PartnerServer) -> None:
        """A check that changed no problem: when it ran and the partner's refreshed facts, written
        directly (no ledger change: nothing a rule reads moved). Only on an ACTIVE partnership."""
        await self._coll.update_one(
            {"_id": partnership_id, "status": "ACTIVE"},
            {"$set": {"health": health_to_doc(health), "partner": partner_to_doc(partner)}},
        )
