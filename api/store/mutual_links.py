"""Links of mutual partnerships: one document per unordered pair of guilds {A, B}.

Why a document of its own: each guild's rules live in its own ledger, and MongoDB is atomic per
document, so two guilds approving each other at the same moment (on two API replicas) cannot see each
other through their ledgers. The link's `_id` is the unordered pair (`mutual.pair_key`), so there is
one link per pair whoever writes first. Each side's partnership id is set and cleared by the journal of
the change that starts or ends it (`records.MutualLinkJoined`/`MutualLinkLeft`, projected as `link`
items by `api.store.projector`, one atomic upsert each), so a crash after the commit still links; the
second racer finds the first one's side and joins that link instead of starting a second mutual pair
(it files no reverse request). This repository only reads.
"""

from __future__ import annotations

from ..domain.mutual import pair_key
from .database import Database


class MutualLinkRepository:
    def __init__(self, database: Database):
        self._coll = database.db["mutual_links"]

    async def side(self, guild_id: int, partner_id: int) -> str | None:
        """The partnership id `guild_id` has on the {guild, partner} link, or None."""
        doc = await self._coll.find_one({"_id": pair_key(guild_id, partner_id)})
        return None if doc is None else (doc.get("sides") or {}).get(str(guild_id))
