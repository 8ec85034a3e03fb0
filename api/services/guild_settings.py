"""A guild's partnership settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain import ledger as rules
from ..domain.enums import QueueEventType
from ..domain.models import GuildSettings
from ..domain.settings_rules import apply_settings_patch, settings_diff
from . import audit, effects, journal
from .bump_reminders import bump_ready_moved
from .writer import Change, GuildWriter


@dataclass(frozen=True, eq=False, slots=True)
class SettingsService:
    _writer: GuildWriter

    async def get(self, guild_id: int) -> GuildSettings:
        return (await self._writer.load(guild_id)).settings  # settings live in the ledger itself

    async def update(self, guild_id: int, patch: dict[str, Any], actor: int | None = None) -> GuildSettings:
        """Raises ValidationErrors (every problem at once) and changes nothing when one is wrong."""

        def decide(ledger: rules.Ledger, now) -> Change[GuildSettings]:
            settings = apply_settings_patch(ledger.settings, patch)
            new = rules.update_settings(ledger, settings)
            before, after = settings_diff(ledger.settings, settings)
            items = [
                journal.live(QueueEventType.SETTINGS_UPDATED, guild_id, new.version, now),
                audit.entry(guild_id, now, actor, "settings.update", None, before, after),
                # The cluster keeps what it needs of the settings (modes, channels, roles) in memory.
                effects.settings_sync(guild_id, settings),
                # A new bump interval moves each representative's "a bump is possible" DM with it.
                *bump_ready_moved(ledger, new, now),
            ]
            return Change(new, items, settings)

        return (await self._writer.run(guild_id, decide)).result
