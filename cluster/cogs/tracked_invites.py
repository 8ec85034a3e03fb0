"""The partner's tracked invite: ``invite.create``.

A permanent invite to this guild (max_age 0, max_uses 0, unique) in ``channel_id``, or when null in the
first of: the system channel, the rules channel, the text channels by position, where the bot may
create invites. Result ``{code}``. Members who join through it are attributed to the partnership
(``cluster.cogs.joins``). A missing permission or a deleted channel also raises a rate-limited
``guild.warning`` (MISSING_PERMISSIONS, CHANNEL_MISSING).

INVITE_DELETE in a guild the api configured is published as ``invite.deleted`` {code, channel_id}: the
node does not know which invites are tracked (the api does), and the api makes a deleted tracked
invite again (a new ``invite.create``) and sends it to the representative.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bus import Envelope, parse
from bus.contracts.commands import InviteCreate
from bus.contracts.common import CommandErrorCode, GuildWarningCode
from bus.contracts.events import InviteDeleted
from cluster.command_handlers import CommandCog, command_handler
from cluster.command_runner import CommandRefused
from cluster.discord_helpers import ActingIn, channel_in, where

if TYPE_CHECKING:
    from cluster.bot import PartnersBot

log = logging.getLogger(__name__)


class TrackedInvites(CommandCog):
    @command_handler("invite.create")
    async def create_tracked_invite(self, env: Envelope) -> dict[str, Any]:
        cmd: InviteCreate = parse(env)
        guild = self.guild_of(env)
        needed = ("view_channel", "create_instant_invite")
        at = ActingIn(None, needed, "create the partners' tracked invites")
        gone = None
        if cmd.channel_id is not None:
            at.channel_id = int(cmd.channel_id)
            gone = f"The channel for partner invites ({cmd.channel_id}) no longer exists."
        async with self.warnings.watch(guild.id, permissions=lambda: at.lacking(guild), channel_missing=gone):
            if at.channel_id is not None:
                channel = at.channel = await channel_in(self.bot, guild, at.channel_id)
                if not isinstance(channel, discord.abc.GuildChannel) or isinstance(channel, discord.CategoryChannel):
                    raise CommandRefused(
                        CommandErrorCode.INVALID_COMMAND,
                        f"Invites cannot be created for {where(channel, at.channel_id)}: it is not a channel members can join.",
                    )
            else:
                channel = self._invite_channel(guild)
                if channel is None:
                    message = (
                        "The bot cannot create invites in any text channel: give it View Channel and Create Invite "
                        "in the system channel or another text channel."
                    )
                    await self.warnings.warn(guild.id, GuildWarningCode.MISSING_PERMISSIONS, message)
                    raise CommandRefused(CommandErrorCode.MISSING_PERMISSIONS, message)
                at.channel, at.channel_id = channel, channel.id
            invite = await channel.create_invite(
                max_age=0, max_uses=0, temporary=False, unique=True, reason="Tracked invite for a partnership"
            )
        return {"code": invite.code}

    @commands.Cog.listener()
    async def on_invite_delete(self, invite: discord.Invite) -> None:
        guild = invite.guild
        if guild is None or not self.bot.configs.known(guild.id):
            return  # a guild that does not use the service has no tracked invites
        channel_id = invite.channel.id if invite.channel is not None else None
        body = InviteDeleted(code=invite.code, channel_id=channel_id)
        try:
            await self.bot.bus.publish_event(Envelope.new(InviteDeleted.TYPE, guild.id, body))
        except Exception:
            log.exception("guild %s: publishing invite.deleted failed", guild.id)

    @staticmethod
    def _invite_channel(guild: discord.Guild) -> discord.TextChannel | None:
        """The system channel, else the rules channel, else the first text channel by position, where
        the bot may create invites (by the cached permissions)."""
        me = guild.me
        seen: set[int] = set()
        for channel in (guild.system_channel, guild.rules_channel, *guild.text_channels):
            if channel is None or channel.id in seen:
                continue
            seen.add(channel.id)
            if me is not None:
                perms = channel.permissions_for(me)
                if not (perms.view_channel and perms.create_instant_invite):
                    continue
            return channel
        return None


async def setup(bot: PartnersBot) -> None:
    await bot.add_cog(TrackedInvites(bot))
