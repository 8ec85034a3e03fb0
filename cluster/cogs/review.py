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
- ``review.post`` with ``buttons`` (reviewStyle BUTTONS): Approve / Deny / Deny + blacklist buttons
  (``cluster.review.buttons``, persistent) instead of reactions; ``review.update`` removes them.

Event (cluster -> api): ``review.reaction`` for each 👍 / 👎 added by a member (not the bot, not
another bot) on a message of the bot's in the guild's configured review channel, with the member's
role ids, guild-level permission bitfield and whether they own the guild. Raw gateway events only:
the node keeps no message cache. Until the api has synced a guild's settings (just after a start),
reactions on the bot's messages in any channel of that guild are forwarded; the api matches them to
applications by message id and ignores the rest.

Event ``review.button``: a click on those buttons, deferred ephemerally and forwarded with the same
member facts (Deny first asks for the reason in a form); the api decides and answers the clicker.
Someone who is plainly no manager is refused at the click, so they get no form to fill in vain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bus import Envelope, parse
from bus.contracts.commands import ReviewPost, ReviewReactionRemove, ReviewUpdate
from bus.contracts.common import GuildWarningCode, InteractionReply
from bus.contracts.events import ReviewButton as ReviewButtonEvent
from bus.contracts.events import ReviewReaction
from cluster.command_handlers import CommandCog, command_handler
from cluster.discord_errors import DiscordError, is_code
from cluster.discord_helpers import ActingIn, text_channel_in
from cluster.intake.views import modal_values, submitted_form
from cluster.message_text import NO_MENTIONS
from cluster.review.buttons import (
    APPROVE,
    DENY_BLACKLIST,
    REASON_FIELD,
    DenyForm,
    ReviewButton,
    form_target,
    review_view,
)
from cluster.review.embeds import EMOJIS, decided_embed, member_permissions, review_embed
from cluster.review.managers import is_manager

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

POST_PERMISSIONS = ("view_channel", "send_messages", "embed_links", "read_message_history", "add_reactions")
REACT_PERMISSIONS = ("read_message_history", "add_reactions")
UPDATE_PERMISSIONS = ("view_channel", "read_message_history")
REMOVE_PERMISSIONS = ("view_channel", "manage_messages")


class Review(CommandCog):
    # Persistent: clicks on review posts made before a restart still reach review_clicked.
    dynamic_items = (ReviewButton,)

    # ---- commands -------------------------------------------------------------------------------------

    @command_handler("review.post")
    async def on_review_post(self, env: Envelope) -> dict[str, Any]:
        cmd: ReviewPost = parse(env)
        guild = self.guild_of(env)
        channel_id = int(cmd.channel_id)
        at = ActingIn(channel_id, POST_PERMISSIONS, "post applications for review")
        gone = f"The review channel ({channel_id}) no longer exists: choose another one in the partnership settings."
        async with self.warnings.watch(guild.id, permissions=lambda: at.lacking(guild), channel_missing=gone):
            channel = at.channel = await text_channel_in(self.bot, guild, channel_id, "review channel")
            extra: dict[str, Any] = {"view": review_view(cmd.application_id)} if cmd.buttons else {}
            if cmd.ping_role_id is not None:
                role = int(cmd.ping_role_id)
                message = await channel.send(
                    content=f"<@&{role}>",
                    embed=review_embed(cmd),
                    allowed_mentions=discord.AllowedMentions(
                        everyone=False, users=False, roles=[discord.Object(role)], replied_user=False
                    ),
                    **extra,
                )
            else:
                message = await channel.send(embed=review_embed(cmd), allowed_mentions=NO_MENTIONS, **extra)
        if cmd.buttons:
            return {"channel_id": str(channel.id), "message_id": str(message.id)}
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
        guild = self.guild_of(env)
        channel_id, message_id = int(cmd.channel_id), int(cmd.message_id)
        at = ActingIn(channel_id, UPDATE_PERMISSIONS, "update review posts", guild.get_channel_or_thread(channel_id))
        async with self.warnings.watch(guild.id, permissions=lambda: at.lacking(guild)):
            partial = self.bot.get_partial_messageable(channel_id, guild_id=guild.id)
            message = await partial.fetch_message(message_id)
            embed = decided_embed(message.embeds[0] if message.embeds else None, cmd.status, cmd.decided_by, cmd.reason)
            # A decided post keeps no buttons (reaction posts have none to remove).
            extra: dict[str, Any] = {"view": None} if message.components else {}
            await message.edit(embed=embed, allowed_mentions=NO_MENTIONS, **extra)
        return {"message_id": str(message_id)}

    @command_handler("review.reaction.remove")
    async def on_reaction_remove(self, env: Envelope) -> dict[str, Any]:
        cmd: ReviewReactionRemove = parse(env)
        guild = self.guild_of(env)
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
            user_name=member.display_name,
        )
        try:
            await self.bot.bus.publish_event(Envelope.new("review.reaction", guild.id, body))
        except Exception:
            log.exception("guild %s: could not publish review.reaction", guild.id)

    # ---- buttons (reviewStyle BUTTONS) ----------------------------------------------------------------

    async def review_clicked(self, interaction: discord.Interaction, button: ReviewButton) -> None:
        """Approve is forwarded at once; Deny and Deny + blacklist open the reason form first."""
        action, application_id = button.action, button.application_id
        member = interaction.user
        guild = interaction.guild
        if guild is None or not isinstance(member, discord.Member):
            await interaction.response.send_message(NOT_HERE, ephemeral=True)
            return
        if not self._may_decide(guild, member):
            # A guard for the clicker's sake (no form to fill in vain); the api decides all the same.
            await interaction.response.send_message(NOT_A_MANAGER, ephemeral=True)
            return
        if action == APPROVE:
            await self._forward(interaction, application_id, "APPROVE", blacklist=False, reason=None)
        else:
            await interaction.response.send_modal(DenyForm(action, application_id))

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        target = form_target(submitted_form(interaction))
        if target is None:
            return
        action, application_id = target
        reason = modal_values(interaction.data).get(REASON_FIELD, "").strip() or None  # type: ignore[arg-type]
        try:
            await self._forward(interaction, application_id, "DENY", blacklist=action == DENY_BLACKLIST, reason=reason)
        except discord.HTTPException:
            log.exception("guild %s: answering a deny form failed", interaction.guild_id)

    def _may_decide(self, guild: discord.Guild, member: discord.Member) -> bool:
        role_ids = [r.id for r in member.roles if not r.is_default()]
        managers = {int(r) for r in self.bot.configs.get(guild.id).manager_role_ids}
        return is_manager(
            guild.owner_id == member.id, member_permissions(guild, member.id, role_ids), role_ids, managers
        )

    async def _forward(
        self,
        interaction: discord.Interaction,
        application_id: str,
        decision: str,
        *,
        blacklist: bool,
        reason: str | None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild, member = interaction.guild, interaction.user
        assert guild is not None and isinstance(member, discord.Member)
        role_ids = [r.id for r in member.roles if not r.is_default()]
        message = interaction.message
        body = ReviewButtonEvent(
            application_id=application_id,
            channel_id=None if interaction.channel_id is None else str(interaction.channel_id),
            message_id=None if message is None else str(message.id),
            user_id=str(member.id),
            user_name=member.display_name,
            decision=decision,
            blacklist=blacklist,
            reason=reason,
            member_role_ids=[str(r) for r in role_ids],
            member_permissions=member_permissions(guild, member.id, role_ids),
            is_owner=guild.owner_id == member.id,
            reply=InteractionReply(application_id=str(interaction.application_id), token=interaction.token),
        )
        try:
            await self.bot.bus.publish_event(Envelope.new("review.button", guild.id, body))
        except Exception:
            log.exception("guild %s: could not publish review.button", guild.id)
            await interaction.edit_original_response(content=SEND_FAILED)


NOT_HERE = "Review buttons work in the server only."
NOT_A_MANAGER = "Only partnership managers can decide on applications; nothing was changed."
SEND_FAILED = "Your decision could not be passed on right now; please try again in a moment."


async def setup(bot) -> None:
    await bot.add_cog(Review(bot))
