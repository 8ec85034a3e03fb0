"""The blacklist: servers whose applications are denied automatically."""

from __future__ import annotations

from ..domain import ledger as rules
from ..domain import text
from ..domain.models import BlacklistEntry
from ..store.blacklist import BlacklistRepository
from ..store.documents import blacklist_doc
from . import audit
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
            record = audit.entry(guild_id, now, actor, "blacklist.add", str(partner_guild_id), None, None, reason)
            return Change(new, [J.put_versioned("blacklist", entry), record])

        await self._writer.run(guild_id, decide)
        return await self._blacklist.get(guild_id, partner_guild_id)

    async def remove(self, guild_id: int, partner_guild_id: int, actor: int | None = None) -> BlacklistEntry | None:
        before = await self._blacklist.get(guild_id, partner_guild_id)

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            new = rules.blacklist_remove(ledger, partner_guild_id)
            removed = {
                "_id": f"{guild_id}:{partner_guild_id}",
                "guild_id": str(guild_id),
                "removed": True,
                "rev": new.version,
            }
            record = audit.entry(guild_id, now, actor, "blacklist.remove", str(partner_guild_id))
            return Change(new, [J.put_versioned("blacklist", removed), record])

        await self._writer.run(guild_id, decide)
        return before
