"""A guild's partnership settings."""

from __future__ import annotations

from typing import Any

from ..domain import ledger as rules
from ..domain.enums import QueueEventType
from ..domain.models import GuildSettings
from ..domain.settings_rules import apply_settings_patch
from . import effects
from . import journal_items as J
from .writer import Change, GuildWriter


class SettingsService:
    def __init__(self, writer: GuildWriter):
        self._writer = writer

    async def get(self, guild_id: int) -> GuildSettings:
        return (await self._writer.load(guild_id)).settings

    async def update(self, guild_id: int, patch: dict[str, Any]) -> GuildSettings:
        """Raises ValidationErrors (every problem at once) and changes nothing when one is wrong."""

        def decide(ledger: rules.Ledger, now) -> Change[GuildSettings]:
            settings = apply_settings_patch(ledger.settings, patch)
            new = rules.update_settings(ledger, settings)
            items = [
                J.live(QueueEventType.SETTINGS_UPDATED, guild_id, new.version, now),
                # The cluster keeps what it needs of the settings (modes, channels, roles) in memory.
                effects.settings_sync(guild_id, settings),
            ]
            return Change(new, items, settings)

        return (await self._writer.run(guild_id, decide)).result
