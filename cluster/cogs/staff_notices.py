"""Notices for staff in the log channel: ``staff.notify`` (health problems, a stale queue) and
``log.post`` (a partner's answer, from the CONFIRM flow). One way to post both; the two command
types came from two features and stay accepted on the wire.

Sent with no mentions allowed, except the role named by ``ping_role_id`` (the review role, for a
stale queue), which the message starts with. Result ``{channel_id, message_id}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bus import Envelope, parse
from bus.contracts.commands import LogPost, StaffNotify
from cluster.command_handlers import CommandCog, command_handler
from cluster.discord_helpers import ActingIn, text_channel_in
from cluster.message_text import CONTENT_LIMIT, NO_MENTIONS, clip

if TYPE_CHECKING:
    from cluster.bot import PartnersBot

POST_PERMISSIONS = ("view_channel", "send_messages")


class StaffNotices(CommandCog):
    @command_handler("staff.notify")
    async def notify_staff(self, env: Envelope) -> dict[str, Any]:
        cmd: StaffNotify = parse(env)
        ping = None if cmd.ping_role_id is None else int(cmd.ping_role_id)
        return await self._post(env, int(cmd.channel_id), cmd.content, ping, "post notices for staff")

    @command_handler("log.post")
    async def on_log_post(self, env: Envelope) -> dict[str, Any]:
        cmd: LogPost = parse(env)
        return await self._post(env, int(cmd.channel_id), cmd.content, None, "tell staff in the log channel")

    async def _post(
        self, env: Envelope, channel_id: int, content: str, ping_role_id: int | None, doing: str
    ) -> dict[str, Any]:
        guild = self.guild_of(env)
        at = ActingIn(channel_id, POST_PERMISSIONS, doing)
        gone = f"The log channel ({channel_id}) no longer exists: choose another one in the partnership settings."
        async with self.warnings.watch(guild.id, permissions=lambda: at.lacking(guild), channel_missing=gone):
            channel = at.channel = await text_channel_in(self.bot, guild, channel_id, "log channel")
            if ping_role_id is not None:
                content = clip(f"<@&{ping_role_id}> {content}", CONTENT_LIMIT)
                mentions = discord.AllowedMentions(
                    everyone=False, users=False, roles=[discord.Object(ping_role_id)], replied_user=False
                )
            else:
                content, mentions = clip(content, CONTENT_LIMIT), NO_MENTIONS
            message = await channel.send(content=content, allowed_mentions=mentions)
        return {"channel_id": str(channel.id), "message_id": str(message.id)}


async def setup(bot: PartnersBot) -> None:
    await bot.add_cog(StaffNotices(bot))
