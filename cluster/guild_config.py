"""What a node knows of each guild's partnership settings: pushed by the api (`settings.sync`).

Kept in memory only: the api owns the settings, sends them on every change, and again for the
guilds of a shard whenever that shard (re)connects (`shard.ready`). A guild the api never configured
runs on the defaults below.
"""

from __future__ import annotations

from bus.contracts.commands import SettingsSync

DEFAULTS = SettingsSync(application_mode="SLASH", channel_mode="SINGLE_CHANNEL", track_joins=False)


class GuildConfigs:
    def __init__(self) -> None:
        self._by_guild: dict[int, SettingsSync] = {}

    def get(self, guild_id: int) -> SettingsSync:
        return self._by_guild.get(guild_id, DEFAULTS)

    def known(self, guild_id: int) -> bool:
        return guild_id in self._by_guild

    def set(self, guild_id: int, settings: SettingsSync) -> None:
        self._by_guild[guild_id] = settings

    def forget(self, guild_id: int) -> None:
        self._by_guild.pop(guild_id, None)
