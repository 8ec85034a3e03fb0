"""Showcase posts: the partner's advertisement where the guild showcases its partners.

Commands (api -> cluster); each answers with one ``command.completed`` (see ``cluster.command_runner``):

- ``showcase.post`` (``channel_mode``, ``target_id``, ``partner``, ``advertisement``, ``replace``):
  the ad is posted as message text (no mentions allowed) with a "Join <partner>" link button to the
  partner's invite (``cluster.showcase.text.advertisement_message``).
  SINGLE_CHANNEL: a message in the text channel ``target_id``. Result ``{channel_id, message_id,
  thread_id: null}``.
  CHANNEL_PER_PARTNER: a text channel created under the category ``target_id``, named after the partner
  (slug, at most 100 characters, the partner id's last digits appended when the name is taken there),
  topic "partner server id <id> · partnership with <name>", with explicit permission overwrites (the
  category's, @everyone denied Send Messages and Send Messages in Threads, the bot allowed to post:
  ``cluster.showcase.overwrites``); the ad posted in it. Result
  ``{channel_id: the new channel, message_id, thread_id: null}``. If the ad cannot be posted, the new
  channel is deleted again (no empty channels left behind).
  FORUM_PER_PARTNER: a forum post (thread) titled with the partner's name in the forum ``target_id``,
  the ad its starter message. Result ``{channel_id: the forum, message_id: the starter, thread_id}``.
  ``replace`` (a bump) names the current placement: the new ad is posted first (SINGLE: in the target
  channel; CHANNEL_PER_PARTNER: in the partner's existing channel; FORUM_PER_PARTNER: in the existing
  thread, which a message re-opens if it was auto-archived), then the old message is deleted. A partner
  channel or thread that is gone (or no longer the partner's: wrong category, another forum, locked by
  staff) is replaced by a new one. Removing the old message is best effort: once the new ad is up the
  command succeeds, because failing then would make the bus redeliver it and post the ad twice.
  A target of the wrong type (e.g. a text channel in forum mode) -> INVALID_COMMAND.
- ``showcase.edit`` (``placement``, ``partner``, ``advertisement``): updatePartnership edits the post in
  place, never re-posting it: the message (the ad in a partner's channel, a forum post's starter) gets the
  new text and Join button, and a forum post's title becomes the partner's name. A post that is gone
  fails (UNKNOWN_MESSAGE / UNKNOWN_CHANNEL) and nothing is posted instead. Result ``{}``.
- ``showcase.remove`` (``placement``): SINGLE_CHANNEL deletes the message. CHANNEL_PER_PARTNER keeps the
  channel (history is never deleted) but deletes the ad in it and locks it: @everyone's overwrite gets
  Send Messages denied, all else unchanged, so staff can reopen it with one toggle; a channel without
  the partner-topic marker (e.g. the shared channel after a mode change) is never locked, only the
  message is deleted. FORUM_PER_PARTNER archives and locks the thread, keeping the ad in it.
  What is already gone counts as done (idempotent). The shape of the placement decides (a thread id
  means a forum post), so a placement made before a mode change is still taken down correctly.
Discord refusals propagate to the runner (failed ``command.completed`` in plain words); setup problems
also raise a rate-limited ``guild.warning`` (MISSING_PERMISSIONS, CHANNEL_MISSING).
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

import discord

from bus import Envelope, parse
from bus.contracts.commands import ShowcaseEdit, ShowcasePost, ShowcaseRemove
from bus.contracts.common import ChannelMode, CommandErrorCode, GuildWarningCode, PartnerServer, Placement
from cluster.command_handlers import CommandCog, command_handler
from cluster.command_runner import CommandRefused
from cluster.discord_errors import DiscordError, is_code
from cluster.discord_helpers import ActingIn, channel_in, where
from cluster.message_text import clip
from cluster.showcase.overwrites import category_entries, partner_channel_overwrites
from cluster.showcase.text import (
    advertisement_message,
    channel_slug,
    has_partner_marker,
    is_partner_channel,
    partner_topic,
    thread_title,
    unique_channel_name,
)

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

SINGLE = ChannelMode.SINGLE_CHANNEL
PER_CHANNEL = ChannelMode.CHANNEL_PER_PARTNER
FORUM = ChannelMode.FORUM_PER_PARTNER

NEEDED = {
    SINGLE: ("view_channel", "send_messages"),
    PER_CHANNEL: ("view_channel", "manage_channels", "send_messages"),
    FORUM: ("view_channel", "send_messages", "send_messages_in_threads"),
}
TARGET_KIND = {SINGLE: "channel", PER_CHANNEL: "category", FORUM: "forum"}


class Showcase(CommandCog):
    # ---- showcase.post ----------------------------------------------------------------------------------

    @command_handler("showcase.post")
    async def on_showcase_post(self, env: Envelope) -> dict[str, Any]:
        cmd: ShowcasePost = parse(env)
        guild = self.guild_of(env)
        mode = ChannelMode(cmd.channel_mode)
        target_id = int(cmd.target_id)
        at = ActingIn(target_id, NEEDED[mode], "post advertisements")
        gone = (
            f"The showcase {TARGET_KIND[mode]} ({target_id}) no longer exists: "
            "choose another one in the partnership settings."
        )
        async with self.warnings.watch(guild.id, permissions=lambda: at.lacking(guild), channel_missing=gone):
            target = at.channel = await channel_in(self.bot, guild, target_id)
            if mode is SINGLE:
                result = await self._post_single(target, cmd)
            elif mode is PER_CHANNEL:
                result = await self._post_partner_channel(guild, target, cmd, at)
            else:
                result = await self._post_forum(guild, target, cmd, at)
        if cmd.replace is not None:
            await self._retire(guild, cmd.replace, result)
        return result

    @staticmethod
    def _wrong_type(target: Any, mode: ChannelMode) -> CommandRefused:
        kinds = {
            SINGLE: "a text channel (single-channel mode posts every ad in it)",
            PER_CHANNEL: "a category (channel-per-partner mode creates each partner's channel in it)",
            FORUM: "a forum (forum mode opens a post per partner in it)",
        }
        return CommandRefused(
            CommandErrorCode.INVALID_COMMAND,
            f"The showcase target {where(target)} is not {kinds[mode]}: choose one in the partnership settings.",
        )

    async def _post_single(self, target: Any, cmd: ShowcasePost) -> dict[str, Any]:
        if not isinstance(target, discord.TextChannel):
            raise self._wrong_type(target, SINGLE)
        message = await target.send(**advertisement_message(cmd.partner, cmd.advertisement))
        return {"channel_id": str(target.id), "message_id": str(message.id), "thread_id": None}

    async def _post_partner_channel(
        self, guild: discord.Guild, category: Any, cmd: ShowcasePost, at: ActingIn
    ) -> dict[str, Any]:
        if not isinstance(category, discord.CategoryChannel):
            raise self._wrong_type(category, PER_CHANNEL)
        if cmd.replace is not None and cmd.replace.channel_id is not None:
            channel = await self._partner_channel(guild, int(cmd.replace.channel_id), category, cmd.partner)
            if channel is not None:
                at.channel, at.channel_id = channel, channel.id
                message = await self._send_unless_gone(channel, cmd)
                if message is not None:
                    return {"channel_id": str(channel.id), "message_id": str(message.id), "thread_id": None}
                at.channel, at.channel_id = category, category.id
        name = unique_channel_name(cmd.partner.name, cmd.partner.id, {c.name for c in category.channels})
        channel = await self._create_partner_channel(guild, category, name, cmd.partner)
        # A new channel has the category's permissions: a refusal names the category (at.channel).
        try:
            message = await channel.send(**advertisement_message(cmd.partner, cmd.advertisement))
        except discord.HTTPException:
            with contextlib.suppress(discord.HTTPException):  # leave no empty partner channel behind
                await channel.delete(reason="The partner's advertisement could not be posted")
            raise
        return {"channel_id": str(channel.id), "message_id": str(message.id), "thread_id": None}

    async def _create_partner_channel(
        self, guild: discord.Guild, category: discord.CategoryChannel, name: str, partner: PartnerServer
    ) -> discord.TextChannel:
        """A text channel under the category with explicit overwrites (``cluster.showcase.overwrites``),
        sent as Discord documents them (discord.py's create_text_channel sends the bit sets as numbers)."""
        me = guild.me.id if guild.me is not None else self.bot.user.id
        overwrites = partner_channel_overwrites(category_entries(category), guild.default_role.id, me)
        data = await self.bot.http.create_channel(
            guild.id,
            discord.ChannelType.text.value,
            name=name,
            parent_id=category.id,
            topic=partner_topic(partner),
            permission_overwrites=overwrites,
            reason=f"Partnership with {clip(partner.name, 100)}",
        )
        return discord.TextChannel(state=guild._state, guild=guild, data=data)  # as discord.py's own create does

    @staticmethod
    async def _send_unless_gone(channel: Any, cmd: ShowcasePost) -> discord.Message | None:
        """Post in the partner's existing channel or thread; None if Discord says it was deleted (the
        cache had not heard yet): the caller makes a new one."""
        try:
            return await channel.send(**advertisement_message(cmd.partner, cmd.advertisement))
        except discord.NotFound as exc:
            if not is_code(exc, DiscordError.UNKNOWN_CHANNEL):
                raise
            return None

    async def _partner_channel(
        self, guild: discord.Guild, channel_id: int, category: discord.CategoryChannel, partner: PartnerServer
    ) -> discord.TextChannel | None:
        """The partner's existing channel, if it still is one: a text channel carrying the partner's
        topic marker, or one under the showcase category named after the partner."""
        try:
            channel = await channel_in(self.bot, guild, channel_id)
        except (discord.NotFound, CommandRefused):
            return None
        if not isinstance(channel, discord.TextChannel):
            return None
        if is_partner_channel(channel.topic, partner.id):
            return channel
        if channel.category_id == category.id and channel.name.startswith(channel_slug(partner.name)):
            return channel
        return None

    async def _post_forum(self, guild: discord.Guild, forum: Any, cmd: ShowcasePost, at: ActingIn) -> dict[str, Any]:
        if not isinstance(forum, discord.ForumChannel):
            raise self._wrong_type(forum, FORUM)
        if cmd.replace is not None and cmd.replace.thread_id is not None:
            thread = await self._partner_thread(guild, int(cmd.replace.thread_id), forum)
            if thread is not None:
                at.channel, at.channel_id = thread, thread.id
                message = await self._send_unless_gone(thread, cmd)
                if message is not None:
                    return {"channel_id": str(forum.id), "message_id": str(message.id), "thread_id": str(thread.id)}
                at.channel, at.channel_id = forum, forum.id
        created = await forum.create_thread(
            name=thread_title(cmd.partner.name),
            reason=f"Partnership with {clip(cmd.partner.name, 100)}",
            **advertisement_message(cmd.partner, cmd.advertisement),
        )
        return {
            "channel_id": str(forum.id),
            "message_id": str(created.message.id),
            "thread_id": str(created.thread.id),
        }

    async def _partner_thread(
        self, guild: discord.Guild, thread_id: int, forum: discord.ForumChannel
    ) -> discord.Thread | None:
        """The partner's existing forum post, if it is still usable: in this forum and not locked."""
        try:
            thread = await channel_in(self.bot, guild, thread_id)
        except (discord.NotFound, CommandRefused):
            return None
        if not isinstance(thread, discord.Thread) or thread.parent_id != forum.id or thread.locked:
            return None
        return thread

    async def _retire(self, guild: discord.Guild, old: Placement, new: dict[str, Any]) -> None:
        """Remove the replaced post after a bump. Best effort: the new ad is up, so a failure here is
        logged (and warned about) but never raised: a raise would make the bus redeliver the command
        and post the ad a second time."""
        holder = old.thread_id or old.channel_id
        if old.message_id is not None and holder is not None and str(old.message_id) != new.get("message_id"):
            try:
                await self.bot.http.delete_message(int(holder), int(old.message_id), reason="Advertisement bumped")
            except discord.NotFound:
                pass
            except discord.HTTPException as exc:
                log.warning("guild %s: could not delete the bumped ad %s: %s", guild.id, old.message_id, exc)
                if exc.status == 403:
                    channel = guild.get_channel_or_thread(int(holder))
                    await self.warnings.warn(
                        guild.id,
                        GuildWarningCode.MISSING_PERMISSIONS,
                        f"The bot cannot delete a replaced advertisement in {where(channel, holder)}: "
                        "give it View Channel and Read Message History there.",
                    )
        if old.thread_id is not None and str(old.thread_id) != new.get("thread_id"):
            # The ad moved out of its old forum post (e.g. the forum changed): archive that post.
            try:
                await self._archive_thread(guild, int(old.thread_id))
            except discord.HTTPException as exc:
                log.warning("guild %s: could not archive the old forum post %s: %s", guild.id, old.thread_id, exc)

    # ---- showcase.edit ----------------------------------------------------------------------------------

    @command_handler("showcase.edit")
    async def on_showcase_edit(self, env: Envelope) -> dict[str, Any]:
        """Edits the post in place (never re-posts): the message, and a forum post's title. A post that
        is gone fails as UNKNOWN_MESSAGE / UNKNOWN_CHANNEL (staff can bump to post it again)."""
        cmd: ShowcaseEdit = parse(env)
        guild = self.guild_of(env)
        placement = cmd.placement
        holder_id = placement.thread_id or placement.channel_id
        if holder_id is None or placement.message_id is None:
            raise CommandRefused(CommandErrorCode.INVALID_COMMAND, "The advertisement has not been posted yet.")
        at = ActingIn(int(holder_id), ("view_channel", "read_message_history"), "edit advertisements")
        async with self.warnings.watch(guild.id, permissions=lambda: at.lacking(guild)):
            holder = at.channel = await channel_in(self.bot, guild, int(holder_id))
            await holder.get_partial_message(int(placement.message_id)).edit(
                **advertisement_message(cmd.partner, cmd.advertisement)
            )
            if isinstance(holder, discord.Thread):
                title = thread_title(cmd.partner.name)
                if holder.name != title:
                    at.needed, at.doing = ("view_channel", "manage_threads"), "rename partner posts"
                    await holder.edit(name=title, reason="Partnership edited")
        return {}

    # ---- showcase.remove --------------------------------------------------------------------------------

    @command_handler("showcase.remove")
    async def on_showcase_remove(self, env: Envelope) -> dict[str, Any]:
        cmd: ShowcaseRemove = parse(env)
        guild = self.guild_of(env)
        placement = cmd.placement
        if placement.thread_id is not None:
            at = ActingIn(int(placement.thread_id), ("view_channel", "manage_threads"), doing="archive partner posts")
            async with self.warnings.watch(guild.id, permissions=lambda: at.lacking(guild)):
                at.channel = await self._archive_thread(guild, int(placement.thread_id))
            return {}
        if placement.channel_id is None:
            return {}  # nothing was ever posted
        channel_id = int(placement.channel_id)
        at = ActingIn(channel_id, ("view_channel",), doing="take advertisements down")
        async with self.warnings.watch(guild.id, permissions=lambda: at.lacking(guild)):
            try:
                channel = at.channel = await channel_in(self.bot, guild, channel_id)
            except discord.NotFound:
                return {}  # the channel is gone, and the ad with it
            if placement.message_id is not None:
                try:
                    await self.bot.http.delete_message(
                        channel_id, int(placement.message_id), reason="Partnership ended"
                    )
                except discord.NotFound as exc:
                    if is_code(exc, DiscordError.UNKNOWN_CHANNEL):
                        return {}  # deleted (the cache had not heard yet)
                    if not is_code(exc, DiscordError.UNKNOWN_MESSAGE):
                        raise
            if isinstance(channel, discord.TextChannel) and has_partner_marker(channel.topic):
                at.needed, at.doing = ("view_channel", "manage_roles"), "lock ended partners' channels"
                try:
                    await self._lock(guild, channel)
                except discord.NotFound as exc:
                    if not is_code(exc, DiscordError.UNKNOWN_CHANNEL):
                        raise
        return {}

    async def _lock(self, guild: discord.Guild, channel: discord.TextChannel) -> None:
        """Deny @everyone Send Messages in an ended partner's channel (one overwrite, nothing else)."""
        everyone = guild.default_role
        overwrite = channel.overwrites_for(everyone)
        if overwrite.send_messages is False:
            return
        overwrite.send_messages = False
        await channel.set_permissions(everyone, overwrite=overwrite, reason="Partnership ended")

    async def _archive_thread(self, guild: discord.Guild, thread_id: int) -> Any:
        """Archive and lock a forum post; one that is gone (or already archived and locked) is done."""
        try:
            thread = await channel_in(self.bot, guild, thread_id)
        except discord.NotFound:
            return None
        if isinstance(thread, discord.Thread) and not (thread.archived and thread.locked):
            try:
                await thread.edit(archived=True, locked=True, reason="Partnership ended")
            except discord.NotFound as exc:
                if not is_code(exc, DiscordError.UNKNOWN_CHANNEL):
                    raise
                return None  # deleted (the cache had not heard yet)
        return thread


async def setup(bot) -> None:
    await bot.add_cog(Showcase(bot))
