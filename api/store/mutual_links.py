"""Links of mutual partnerships: one document per unordered pair of guilds {A, B}.

Why a document of its own: each guild's rules live in its own ledger, and MongoDB is atomic per
document, so two guilds approving each other at the same moment (on two API replicas) cannot see each
other through their ledgers. The link's `_id` is the unordered pair (`mutual.pair_key`), so there is
one link per pair whoever writes first: each side sets its own partnership id on it with one atomic
upsert and gets the link as it was before, so the second racer finds the first one's side and joins
that link instead of starting a second mutual pair (it files no reverse request).
"""

from __future__ import annotations

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from ..domain.mutual import pair_key
from .database import Database


class MutualLinkRepository:
    def __init__(self, database: Database):
        self._coll = database.db["mutual_links"]

    async def join(self, guild_id: int, partner_id: int, partnership_id: str) -> str | None:
        """Sets our side of the {guild, partner} link to `partnership_id`; returns the partner's side as
        it was just before (its partnership id, or None when it has none)."""
        key, ours, theirs = pair_key(guild_id, partner_id), f"sides.{guild_id}", str(partner_id)
        for _ in range(2):  # two first upserts of one _id: the loser's insert collides, then it updates
            try:
                before = await self._coll.find_one_and_update(
                    {"_id": key}, {"$set": {ours: partnership_id}}, upsert=True, return_document=ReturnDocument.BEFORE
                )
            except DuplicateKeyError:
                continue
            return None if before is None else (before.get("sides") or {}).get(theirs)
        raise RuntimeError(f"mutual link {key}: upsert kept colliding")

    async def leave(self, guild_id: int, partner_id: int, partnership_id: str) -> None:
        """Our partnership ended: our side is cleared (only if it is still this partnership)."""
        ours = f"sides.{guild_id}"
        await self._coll.update_one(
            {"_id": pair_key(guild_id, partner_id), ours: partnership_id}, {"$set": {ours: None}}
        )

    async def side(self, guild_id: int, partner_id: int) -> str | None:
        """The partnership id `guild_id` has on the {guild, partner} link, or None."""
        doc = await self._coll.find_one({"_id": pair_key(guild_id, partner_id)})
        return None if doc is None else (doc.get("sides") or {}).get(str(guild_id))
