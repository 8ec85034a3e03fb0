"""A guild's partnership settings."""

from __future__ import annotations

from typing import Any

from ..domain import ledger as rules
from ..domain.enums import QueueEventType
from ..domain.models import GuildSettings
from ..domain.settings_rules import apply_settings_patch, camel
from ..store.documents import settings_to_doc
from . import audit, effects
from . import journal_items as J
from .writer import Change, GuildWriter


class SettingsService:
    def __init__(self, writer: GuildWriter):
        self._writer = writer

    async def get(self, guild_id: int) -> GuildSettings:
        return (await self._writer.load(guild_id)).settings

    async def update(self, guild_id: int, patch: dict[str, Any], actor: int | None = None) -> GuildSettings:
        """Raises ValidationErrors (every problem at once) and changes nothing when one is wrong."""

        def decide(ledger: rules.Ledger, now) -> Change[GuildSettings]:
            settings = apply_settings_patch(ledger.settings, patch)
            new = rules.update_settings(ledger, settings)
            old_doc, new_doc = settings_to_doc(ledger.settings), settings_to_doc(settings)
            changed = [k for k in new_doc if new_doc[k] != old_doc[k]]
            before = {camel(k): old_doc[k] for k in changed}
            after = {camel(k): new_doc[k] for k in changed}
            items = [
                J.live(QueueEventType.SETTINGS_UPDATED, guild_id, new.version, now),
                audit.entry(guild_id, now, actor, "settings.update", None, before, after),
                # The cluster keeps what it needs of the settings (modes, channels, roles) in memory.
                effects.settings_sync(guild_id, settings),
            ]
            return Change(new, items, settings)

        return (await self._writer.run(guild_id, decide)).result
