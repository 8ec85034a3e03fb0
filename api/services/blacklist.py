"""The blacklist: servers whose applications are denied automatically."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain import ledger as rules
from ..domain import text
from ..domain.models import BlacklistEntry
from ..domain.records import BlacklistAdded, BlacklistRemoved
from ..store.blacklist import BlacklistRepository
from . import audit
from .writer import Change, GuildWriter


@dataclass(frozen=True, eq=False, slots=True)
class BlacklistService:
    _writer: GuildWriter
    _blacklist: BlacklistRepository

    async def add(self, guild_id: int, partner_guild_id: int, reason: str | None, actor: int | None) -> BlacklistEntry:
        reason = text.reason(reason)

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            new = rules.blacklist_add(ledger, partner_guild_id)
            added = BlacklistAdded(guild_id, partner_guild_id, reason, actor, now, new.version)
            record = audit.entry(guild_id, now, actor, "blacklist.add", str(partner_guild_id), None, None, reason)
            return Change(new, [added, record])

        await self._writer.run(guild_id, decide)
        return await self._blacklist.get(guild_id, partner_guild_id)

    async def remove(self, guild_id: int, partner_guild_id: int, actor: int | None = None) -> BlacklistEntry | None:
        before = await self._blacklist.get(guild_id, partner_guild_id)

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            new = rules.blacklist_remove(ledger, partner_guild_id)
            removed = BlacklistRemoved(guild_id, partner_guild_id, new.version)
            record = audit.entry(guild_id, now, actor, "blacklist.remove", str(partner_guild_id))
            return Change(new, [removed, record])

        await self._writer.run(guild_id, decide)
        return before
