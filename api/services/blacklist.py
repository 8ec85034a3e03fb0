"""The blacklist: servers whose applications are denied automatically."""

from __future__ import annotations

from ..domain import ledger as rules
from ..domain import text
from ..domain.models import BlacklistEntry
from ..store.blacklist import BlacklistRepository
from ..store.documents import blacklist_doc
from . import journal_items as J
from .writer import Change, GuildWriter


class BlacklistService:
    def __init__(self, writer: GuildWriter, blacklist: BlacklistRepository):
        self._writer = writer
        self._blacklist = blacklist

    async def add(self, guild_id: int, partner_guild_id: int, reason: str | None, actor: int | None) -> BlacklistEntry:
        reason = text.reason(reason)

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            new = rules.blacklist_add(ledger, partner_guild_id)
            entry = blacklist_doc(guild_id, partner_guild_id, reason, actor, now, new.version)
            return Change(new, [J.put_versioned("blacklist", entry)])

        await self._writer.run(guild_id, decide)
        return await self._blacklist.get(guild_id, partner_guild_id)

    async def remove(self, guild_id: int, partner_guild_id: int) -> BlacklistEntry | None:
        before = await self._blacklist.get(guild_id, partner_guild_id)

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            new = rules.blacklist_remove(ledger, partner_guild_id)
            removed = {
                "_id": f"{guild_id}:{partner_guild_id}",
                "guild_id": str(guild_id),
                "removed": True,
                "rev": new.version,
            }
            return Change(new, [J.put_versioned("blacklist", removed)])

        await self._writer.run(guild_id, decide)
        return before
