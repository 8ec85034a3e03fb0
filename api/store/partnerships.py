"""Reads of partnership documents, plus the writes that are not guild-ledger state:
tracked invite, showcase placement details, the join counters and uneventful health checks."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from ..domain.enums import PartnershipStatus
from ..domain.models import Health, PartnerServer, Partnership, ReviewPost
from .database import Database
from .documents import health_to_doc, partner_facts_doc, partnership_from_doc
from .event_counters import add_once
from .listing import GuildListing

# How many recent join/leave event ids a partnership remembers to make its counters idempotent. A join
# document records that it was counted, so a redelivery normally stops there; these ids only cover a
# crash between the increment and that mark, a gap of one batch per worker (at most MAX_BATCH of
# api/services/joins.py), so the window stays a little above it (the document is rewritten per batch).
RECENT_EVENTS_WINDOW = 500


class PartnershipRepository(GuildListing[Partnership, PartnershipStatus]):
    def __init__(self, database: Database):
        super().__init__(database.partnerships, "started_at", partnership_from_doc)

    async def get(self, partnership_id: str) -> Partnership | None:
        doc = await self._coll.find_one({"_id": partnership_id}, {"recent_events": 0})
        return None if doc is None else partnership_from_doc(doc)

    async def get_many(self, ids: list[str]) -> dict[str, Partnership]:
        return {
            d["_id"]: partnership_from_doc(d)
            async for d in self._coll.find({"_id": {"$in": ids}}, {"recent_events": 0})
        }

    async def by_invite_code(self, guild_id: int, code: str) -> Partnership | None:
        doc = await self._coll.find_one(
            {"guild_id": str(guild_id), "tracked_invite_code": code}, {"recent_events": 0}, sort=[("started_at", -1)]
        )
        return None if doc is None else partnership_from_doc(doc)

    async def active_for_representative(self, guild_id: int, user_id: int) -> list[Partnership]:
        query = {"guild_id": str(guild_id), "representative_id": str(user_id), "status": "ACTIVE"}
        return [partnership_from_doc(d) async for d in self._coll.find(query, {"recent_events": 0})]

    async def representatives_among(self, guild_id: int, user_ids: list[int]) -> set[int]:
        """Those of these members who represent an active partnership in the guild (one read)."""
        if not user_ids:
            return set()
        query = {"guild_id": str(guild_id), "representative_id": {"$in": [str(u) for u in set(user_ids)]},
                 "status": "ACTIVE"}  # fmt: skip
        return {int(d["representative_id"]) async for d in self._coll.find(query, {"representative_id": 1})}

    async def active_with(self, guild_id: int, partner_id: int) -> Partnership | None:
        """The guild's ACTIVE partnership with the partner server, if any (index guild_id, partner.id, status)."""
        doc = await self._coll.find_one(
            {"guild_id": str(guild_id), "partner.id": str(partner_id), "status": "ACTIVE"}, {"recent_events": 0}
        )
        return None if doc is None else partnership_from_doc(doc)

    async def ended_with_since(self, guild_id: int, partner_id: int, since: datetime) -> bool:
        """Whether the guild had a partnership with the partner server that ended at `since` or later
        (index guild_id, partner.id, status)."""
        query = {
            "guild_id": str(guild_id),
            "partner.id": str(partner_id),
            "status": "ENDED",
            "ended_at": {"$gte": since},
        }
        return await self._coll.find_one(query, {"_id": 1}) is not None

    async def showcasing(self, pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
        """Of these (guild, partner) pairs, those where the guild has an ACTIVE partnership with the
        partner: one indexed read for a whole page of partnerships (the reciprocity dataloader)."""
        if not pairs:
            return set()
        query = {"$or": [{"guild_id": str(g), "partner.id": str(p), "status": "ACTIVE"} for g, p in set(pairs)]}
        cursor = self._coll.find(query, {"guild_id": 1, "partner.id": 1})
        return {(int(d["guild_id"]), int(d["partner"]["id"])) async for d in cursor}

    async def list_for_guild(self, guild_id: int) -> list[Partnership]:
        cursor = self._coll.find({"guild_id": str(guild_id)}, {"recent_events": 0}).sort(
            [("started_at", 1), ("_id", 1)]
        )
        return [partnership_from_doc(d) async for d in cursor]

    async def by_proposal_review_message(self, message_id: int) -> Partnership | None:
        """The partnership whose proposed ad is reviewed in this message."""
        doc = await self._coll.find_one({"proposed_ad.review.message_id": str(message_id)}, {"recent_events": 0})
        return None if doc is None else partnership_from_doc(doc)

    async def set_proposal_review(self, proposal_id: str, review: ReviewPost) -> bool:
        """Where a proposed ad's review post landed; False when no partnership waits on that proposal."""
        result = await self._coll.update_one(
            {"proposed_ad.id": proposal_id},
            {
                "$set": {
                    "proposed_ad.review": {"channel_id": str(review.channel_id), "message_id": str(review.message_id)}
                }
            },
        )
        return result.matched_count > 0

    async def set_tracked_invite(self, partnership_id: str, code: str) -> None:
        await self._coll.update_one({"_id": partnership_id}, {"$set": {"tracked_invite_code": code}})

    async def add_join_counts(self, partnership_id: str, per_event: dict[str, Counter]) -> None:
        """Adds each event's {join_count, retained_count, fake_count} deltas once (see event_counters)."""
        await add_once(self._coll, partnership_id, per_event, RECENT_EVENTS_WINDOW)

    async def record_check(self, partnership_id: str, health: Health, partner: PartnerServer) -> None:
        """A check that changed no problem: when it ran and the partner's refreshed facts, written
        directly (no ledger change: nothing a rule reads moved). Only on an ACTIVE partnership."""
        await self._coll.update_one(
            {"_id": partnership_id, "status": "ACTIVE"},
            {"$set": {"health": health_to_doc(health), **partner_facts_doc(partner)}},
        )
