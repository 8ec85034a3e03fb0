"""Directory: tells the api each guild's name, icon, channels and roles (``guild.directory``), so the
dashboard shows names and offers pickers instead of bare ids.

Read from discord.py's guild cache (the guilds intent keeps it current): no REST call. Sent for every
guild of a shard when it becomes ready and when the bot joins a guild; after GUILD_UPDATE and channel /
role create, update or delete, one per guild per ``debounce`` seconds (a burst of changes, e.g. a
server template applied, is one event carrying the state after the burst)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bus import Envelope
from bus.contracts.common import DirectoryChannel, DirectoryChannelType, DirectoryRole
from bus.contracts.events import GuildDirectory

if TYPE_CHECKING:
    from cluster.bot import PartnersBot

log = logging.getLogger(__name__)

_CHANNEL_TYPES = {
    discord.ChannelType.text: DirectoryChannelType.TEXT,
    discord.ChannelType.news: DirectoryChannelType.ANNOUNCEMENT,
    discord.ChannelType.category: DirectoryChannelType.CATEGORY,
    discord.ChannelType.forum: DirectoryChannelType.FORUM,
}


def directory_of(guild: discord.Guild, revision: int) -> GuildDirectory:
    """The guild as its cache holds it. @everyone is left out: no setting can use it."""
    channels = [
        DirectoryChannel(
            id=str(c.id),
            name=c.name,
            type=_CHANNEL_TYPES.get(c.type, DirectoryChannelType.OTHER),
            parent_id=str(c.category_id) if c.category_id else None,
            position=c.position,
        )
        for c in guild.channels
    ]
    roles = [
        DirectoryRole(id=str(r.id), name=r.name, color=r.colour.value, position=r.position, managed=r.managed)
        for r in guild.roles
        if not r.is_default()
    ]
    icon = guild.icon.url if guild.icon is not None else None
    return GuildDirectory(
        revision=revision, name=guild.name, icon_url=icon, channels=channels, roles=roles,
        member_count=guild.member_count,
    )  # fmt: skip


class Directory(commands.Cog):
    def __init__(self, bot: PartnersBot) -> None:
        self.bot = bot
        self.debounce = 2.0  # seconds a guild's changes are gathered before one event is sent
        self._pending: dict[int, asyncio.Task[None]] = {}
        self._revisions: dict[int, int] = {}

    async def cog_unload(self) -> None:
        for task in self._pending.values():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._pending.clear()

    def _next_revision(self, guild_id: int) -> int:
        # Nanoseconds, so a node that took a shard over continues above the previous node; never below
        # this node's last one, even if the clock steps back.
        revision = max(time.time_ns(), self._revisions.get(guild_id, 0) + 1)
        self._revisions[guild_id] = revision
        return revision

    async def publish(self, guild: discord.Guild) -> None:
        """Sends the guild's directory now (a failure is logged: the next change or ready sends it again)."""
        body = directory_of(guild, self._next_revision(guild.id))
        try:
            await self.bot.bus.publish_event(Envelope.new("guild.directory", guild.id, body))
        except Exception:
            log.exception("guild %s: could not publish guild.directory", guild.id)

    def changed(self, guild: discord.Guild) -> None:
        """Schedules one event for the guild unless one is already waiting (it will read the cache then)."""
        if guild.id in self._pending:
            return
        self._pending[guild.id] = asyncio.create_task(self._after_debounce(guild.id), name=f"directory-{guild.id}")

    async def flush(self) -> None:
        """Sends every waiting guild's directory now instead of at the end of its debounce."""
        for guild_id, task in list(self._pending.items()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            guild = self.bot.get_guild(guild_id)
            if guild is not None:
                await self.publish(guild)

    def pending(self) -> set[int]:
        """Guilds with an event waiting out its debounce."""
        return set(self._pending)

    async def _after_debounce(self, guild_id: int) -> None:
        try:
            await asyncio.sleep(self.debounce)
        finally:
            self._pending.pop(guild_id, None)
        guild = self.bot.get_guild(guild_id)
        if guild is not None:  # the bot left meanwhile: nothing to tell
            await self.publish(guild)

    # ---- gateway events ------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        for guild in [g for g in self.bot.guilds if g.shard_id == shard_id]:
            await self.publish(guild)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.publish(guild)

    @commands.Cog.listener()
    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        self.changed(after)

    @commands.Cog.listener()
    async def on_guild_channel_create(self, channel: discord.abc.GuildChannel) -> None:
        self.changed(channel.guild)

    @commands.Cog.listener()
    async def on_guild_channel_update(self, before: discord.abc.GuildChannel, after: discord.abc.GuildChannel) -> None:
        self.changed(after.guild)

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        self.changed(channel.guild)

    @commands.Cog.listener()
    async def on_guild_role_create(self, role: discord.Role) -> None:
        self.changed(role.guild)

    @commands.Cog.listener()
    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        self.changed(after.guild)

    @commands.Cog.listener()
    async def on_guild_role_delete(self, role: discord.Role) -> None:
        self.changed(role.guild)


async def setup(bot: PartnersBot) -> None:
    await bot.add_cog(Directory(bot))
