"""Settings sync: keeps each guild's settings from the api, and asks for them when a shard is ready.

Each synced guild's settings go to ``bot.configs`` and then to every cog as the bot event
``guild_settings_changed(guild_id, config)`` (``@commands.Cog.listener() async def
on_guild_settings_changed``): no cog reaches into another."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bus import Envelope, parse
from bus.contracts.commands import SettingsSync
from bus.contracts.types import NODE_GUILD_ID
from cluster.command_handlers import command_handler

log = logging.getLogger(__name__)


class GuildConfig(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot

    @command_handler("settings.sync")
    async def on_settings_sync(self, env: Envelope) -> None:
        config: SettingsSync = parse(env)
        guild_id = int(env.guild_id)
        self.bot.configs.set(guild_id, config)
        self.bot.settings_changed(guild_id, config)

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
