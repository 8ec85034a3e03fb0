"""Review posts and reviewers' reactions.

Commands (api -> cluster):

- ``review.post``: posts the application in ``channel_id`` as an embed (see ``cluster.review.embeds``)
  with the content ``<@&ping_role_id>`` pinging that role and nothing else (the one message the bot
  sends with a mention allowed: staff configured the role for exactly this; the ad is inside the embed,
  where nothing pings). Then adds the 👍 and 👎 reactions. Result ``{"channel_id", "message_id"}``.
  Once the post exists the command succeeds even if a reaction cannot be added (a failure then would
  make a retry post the application twice): the missing permission is reported as a guild warning.
- ``review.update``: edits the post's embed to show ACCEPTED / DENIED, by whom (or "automatically"),
  why, in green / red. Result ``{"message_id"}``.
- ``review.reaction.remove``: removes one user's reaction (the api decided they may not decide).
  A reaction, message or channel already gone counts as removed.

Event (cluster -> api): ``review.reaction`` for each 👍 / 👎 added by a member (not the bot, not
another bot) on a message of the bot's in the guild's configured review channel, with the member's
role ids, guild-level permission bitfield and whether they own the guild. Raw gateway events only:
the node keeps no message cache. Until the api has synced a guild's settings (just after a start),
reactions on the bot's messages in any channel of that guild are forwarded; the api matches them to
applications by message id and ignores the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bus import Envelope, parse
from bus.contracts.commands import ReviewPost, ReviewReactionRemove, ReviewUpdate
from bus.contracts.common import CommandErrorCode, GuildWarningCode
from bus.contracts.events import ReviewReaction
from cluster.command_handlers import command_handler
from cluster.command_runner import CommandRefused
from cluster.discord_errors import DiscordError, is_code
from cluster.discord_helpers import ActingIn, channel_in, guild_or_refuse, where
from cluster.message_text import NO_MENTIONS
from cluster.review.embeds import EMOJIS, decided_embed, member_permissions, review_embed

if TYPE_CHECKING:
    from cluster.bot import PartnersBot

log = logging.getLogger(__name__)

POST_PERMISSIONS = ("view_channel", "send_messages", "embed_links", "read_message_history", "add_reactions")
REACT_PERMISSIONS = ("read_message_history", "add_reactions")
UPDATE_PERMISSIONS = ("view_channel", "read_message_history")
REMOVE_PERMISSIONS = ("view_channel", "manage_messages")


class Review(commands.Cog):
    def __init__(self, bot: PartnersBot) -> None:
        self.bot = bot
        self.warnings = bot.guild_warnings

    # ---- commands -------------------------------------------------------------------------------------

    @command_handler("review.post")
    async def on_review_post(self, env: Envelope) -> dict[str, Any]:
        cmd: ReviewPost = parse(env)
        guild = guild_or_refuse(self.bot, env.guild_id)
        channel_id = int(cmd.channel_id)
        at = ActingIn(channel_id, POST_PERMISSIONS, "post applications for review")
        gone = f"The review channel ({channel_id}) no longer exists: choose another one in the partnership settings."
        async with self.warnings.watch(guild.id, permissions=lambda: at.lacking(guild), channel_missing=gone):
            channel = at.channel = await channel_in(self.bot, guild, channel_id)
            if not isinstance(channel, discord.abc.Messageable) or isinstance(channel, discord.ForumChannel):
                raise CommandRefused(
                    CommandErrorCode.INVALID_COMMAND,
                    f"The review channel {where(channel, channel_id)} is not a text channel.",
                )
            if cmd.ping_role_id is not None:
                role = int(cmd.ping_role_id)
                message = await channel.send(
                    content=f"<@&{role}>",
                    embed=review_embed(cmd),
                    allowed_mentions=discord.AllowedMentions(
                        everyone=False, users=False, roles=[discord.Object(role)], replied_user=False
                    ),
                )
            else:
                message = await channel.send(embed=review_embed(cmd), allowed_mentions=NO_MENTIONS)
        at.needed = REACT_PERMISSIONS
        await self._add_reactions(guild, message, lambda: at.lacking(guild))
        return {"channel_id": str(channel.id), "message_id": str(message.id)}

    async def _add_reactions(self, guild: discord.Guild, message: discord.Message, lacking: Callable[[], str]) -> None:
        for emoji in EMOJIS:
            try:
                await message.add_reaction(emoji)
            except discord.HTTPException as exc:
                # The post exists and the api must learn where: report success, warn about the reactions.
                log.warning("guild %s: could not add %s to review post %s: %s", guild.id, emoji, message.id, exc)
                if exc.status == 403:
                    await self.warnings.warn(guild.id, GuildWarningCode.MISSING_PERMISSIONS, lacking())
                return

    @command_handler("review.update")
    async def on_review_update(self, env: Envelope) -> dict[str, Any]:
        cmd: ReviewUpdate = parse(env)
        guild = guild_or_refuse(self.bot, env.guild_id)
        channel_id, message_id = int(cmd.channel_id), int(cmd.message_id)
        at = ActingIn(channel_id, UPDATE_PERMISSIONS, "update review posts", guild.get_channel_or_thread(channel_id))
        async with self.warnings.watch(guild.id, permissions=lambda: at.lacking(guild)):
            partial = self.bot.get_partial_messageable(channel_id, guild_id=guild.id)
            message = await partial.fetch_message(message_id)
            embed = decided_embed(message.embeds[0] if message.embeds else None, cmd.status, cmd.decided_by, cmd.reason)
            await message.edit(embed=embed, allowed_mentions=NO_MENTIONS)
        return {"message_id": str(message_id)}

    @command_handler("review.reaction.remove")
    async def on_reaction_remove(self, env: Envelope) -> dict[str, Any]:
        cmd: ReviewReactionRemove = parse(env)
        guild = guild_or_refuse(self.bot, env.guild_id)
        channel_id = int(cmd.channel_id)
        doing = "remove reactions of members who may not decide"
        at = ActingIn(channel_id, REMOVE_PERMISSIONS, doing, guild.get_channel_or_thread(channel_id))
        try:
            async with self.warnings.watch(guild.id, permissions=lambda: at.lacking(guild)):
                await self.bot.http.remove_reaction(channel_id, int(cmd.message_id), cmd.emoji, int(cmd.user_id))
        except discord.NotFound as exc:
            if not is_code(exc, DiscordError.UNKNOWN_MESSAGE, DiscordError.UNKNOWN_CHANNEL):
                raise
            return {}  # the post (or its channel) is gone: so is the reaction
        return {}

    # ---- reactions ------------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.guild_id is None or payload.emoji.id is not None or payload.emoji.name not in EMOJIS:
            return
        me = self.bot.user.id if self.bot.user else None
        if payload.user_id == me:
            return
        if payload.message_author_id is not None and payload.message_author_id != me:
            return  # not a post of ours
        configs = self.bot.configs
        review_channel_id = configs.get(payload.guild_id).review_channel_id
        if review_channel_id is not None:
            if int(review_channel_id) != payload.channel_id:
                return
        elif configs.known(payload.guild_id) or payload.message_author_id is None:
            return  # no review channel configured (dashboard-only review), or settings not synced yet and
            # no way to tell the post is ours
        guild = self.bot.get_guild(payload.guild_id)
        if guild is None:
            return
        member = payload.member
        try:
            if member is None:
                member = await guild.fetch_member(payload.user_id)
        except discord.HTTPException as exc:
            log.warning("guild %s: reaction by %s: member lookup failed: %s", guild.id, payload.user_id, exc)
            return
        if member.bot:
            return
        role_ids = [r.id for r in member.roles if not r.is_default()]
        body = ReviewReaction(
            channel_id=str(payload.channel_id),
            message_id=str(payload.message_id),
            user_id=str(payload.user_id),
            emoji=payload.emoji.name,
            member_role_ids=[str(r) for r in role_ids],
            member_permissions=member_permissions(guild, payload.user_id, role_ids),
            is_owner=guild.owner_id == payload.user_id,
        )
        try:
            await self.bot.bus.publish_event(Envelope.new("review.reaction", guild.id, body))
        except Exception:
            log.exception("guild %s: could not publish review.reaction", guild.id)


async def setup(bot) -> None:
    await bot.add_cog(Review(bot))
