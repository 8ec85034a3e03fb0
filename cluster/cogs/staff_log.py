"""Lines for staff in the guild's log channel: ``log.post`` (a partner's answer, ...).

Posts ``content`` (clipped, no mentions) in ``channel_id``. Result ``{channel_id, message_id}``; a
missing channel or permission is a failed ``command.completed`` and a guild warning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bus import Envelope, parse
from bus.contracts.commands import LogPost
from bus.contracts.common import CommandErrorCode
from cluster.command_handlers import command_handler
from cluster.command_runner import CommandRefused
from cluster.discord_helpers import ActingIn, channel_in, guild_or_refuse, where
from cluster.message_text import CONTENT_LIMIT, NO_MENTIONS, clip

if TYPE_CHECKING:
    from cluster.bot import PartnersBot

NEEDED = ("view_channel", "send_messages")


class StaffLog(commands.Cog):
    def __init__(self, bot: PartnersBot) -> None:
        self.bot = bot
        self.warnings = bot.guild_warnings

    @command_handler("log.post")
    async def on_log_post(self, env: Envelope) -> dict[str, Any]:
        cmd: LogPost = parse(env)
        guild = guild_or_refuse(self.bot, env.guild_id)
        channel_id = int(cmd.channel_id)
        at = ActingIn(channel_id, NEEDED, "tell staff in the log channel")
        gone = f"The log channel ({channel_id}) no longer exists: choose another one in the partnership settings."
        async with self.warnings.watch(guild.id, permissions=lambda: at.lacking(guild), channel_missing=gone):
            channel = at.channel = await channel_in(self.bot, guild, channel_id)
            if not isinstance(channel, discord.abc.Messageable) or isinstance(channel, discord.ForumChannel):
                raise CommandRefused(
                    CommandErrorCode.INVALID_COMMAND,
                    f"The log channel {where(channel, channel_id)} is not a text channel.",
                )
            message = await channel.send(clip(cmd.content, CONTENT_LIMIT), allowed_mentions=NO_MENTIONS)
        return {"channel_id": str(channel.id), "message_id": str(message.id)}


async def setup(bot: PartnersBot) -> None:
    await bot.add_cog(StaffLog(bot))
