"""Blacklist entry documents (details: reason, who, when). Membership itself is in the ledger."""

from __future__ import annotations

from datetime import datetime

from ..domain.models import BlacklistEntry
from .database import Database
from .documents import blacklist_from_doc
from .paging import keyset_page


def entry_id(guild_id: int, partner_guild_id: int) -> str:
    return f"{guild_id}:{partner_guild_id}"


class BlacklistRepository:
    def __init__(self, database: Database):
        self._coll = database.blacklist

    async def get(self, guild_id: int, partner_guild_id: int) -> BlacklistEntry | None:
        doc = await self._coll.find_one({"_id": entry_id(guild_id, partner_guild_id), "removed": False})
        return None if doc is None else blacklist_from_doc(doc)

    async def page(
        self, guild_id: int, first: int, after: tuple[datetime, str] | None
    ) -> tuple[list[BlacklistEntry], list[str], bool]:
        docs, more = await keyset_page(
            self._coll, {"guild_id": str(guild_id), "removed": False}, "added_at", first, after, descending=True
        )
        return [blacklist_from_doc(d) for d in docs], [d["_id"] for d in docs], more

    async def count(self, guild_id: int) -> int:
        return await self._coll.count_documents({"guild_id": str(guild_id), "removed": False})
