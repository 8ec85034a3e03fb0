"""Settings sync: keeps each guild's settings from the api, and asks for them when a shard is ready."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bus import Envelope, parse
from bus.contracts.types import NODE_GUILD_ID

log = logging.getLogger(__name__)


class GuildConfig(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot
        bot.register_command_handler("settings.sync", self.on_settings_sync)

    async def cog_unload(self) -> None:
        self.bot.unregister_command_handler("settings.sync")

    async def on_settings_sync(self, env: Envelope) -> None:
        self.bot.configs.set(int(env.guild_id), parse(env))

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        """The api re-sends the settings of this shard's guilds (a restarted node remembers nothing)."""
        guild_ids = [str(g.id) for g in self.bot.guilds if g.shard_id == shard_id]
        data = {"shard_id": shard_id, "shard_count": self.bot.settings.shard_count, "guild_ids": guild_ids}
        await self.bot.bus.publish_event(Envelope.new("shard.ready", NODE_GUILD_ID, data))

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.bot.configs.forget(guild.id)


async def setup(bot) -> None:
    await bot.add_cog(GuildConfig(bot))
