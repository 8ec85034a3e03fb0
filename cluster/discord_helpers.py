"""Discord lookups and permission wording shared by the cogs that carry out the api's commands.

A lookup that cannot succeed becomes a plain-words ``CommandRefused`` (reported to staff, not retried);
Discord's own refusals propagate to the ``CommandRunner``. The permission helpers word the guild
warnings: which permission the bot lacks, named as staff see it in Discord's settings, and where.
``forward_deferred`` hands a member's deferred click or command to the api, which answers it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import discord

from bus import Envelope
from bus.contracts.common import CommandErrorCode, InteractionReply
from cluster.command_runner import CommandRefused

log = logging.getLogger(__name__)

# Names staff see in Discord's settings, where they differ from the attribute name.
_PERMISSION_NAMES = {
    "manage_roles": "Manage Permissions",
    "create_instant_invite": "Create Invite",
    "send_messages_in_threads": "Send Messages in Threads",
    "view_channel": "View Channel",
}


def permission_names(perms: Iterable[str]) -> str:
    return ", ".join(_PERMISSION_NAMES.get(p, p.replace("_", " ").title()) for p in perms)


def where(channel: Any, channel_id: int | str | None = None) -> str:
    """How a channel is named in a warning: ``#name`` when known, else its id."""
    name = getattr(channel, "name", None)
    if name:
        return f"#{name}"
    return f"the channel {channel_id}" if channel_id is not None else "the channel"


def missing_permissions(guild: discord.Guild | None, channel: Any, needed: Iterable[str]) -> list[str]:
    """Which of ``needed`` the bot lacks in ``channel`` (or guild-wide), from the gateway cache. The
    cache can be behind Discord (Discord refused although the cache says yes): then all of ``needed``
    are named, so the warning still says what to grant."""
    needed = list(needed)
    me = guild.me if guild is not None else None
    if me is None:
        return needed
    try:
        perms = channel.permissions_for(me) if channel is not None else me.guild_permissions
    except Exception:  # a partial channel object: no overwrites to compute with
        return needed
    missing = [p for p in needed if not getattr(perms, p, False)]
    return missing or needed


@dataclass
class ActingIn:
    """Where a command is acting (updated as it goes), for the warning text when Discord refuses."""

    channel_id: int | None
    needed: tuple[str, ...]
    doing: str
    channel: Any = None

    def lacking(self, guild: discord.Guild) -> str:
        """ "The bot cannot <doing> in #x: give it <the missing permissions> there."."""
        names = permission_names(missing_permissions(guild, self.channel, self.needed))
        return f"The bot cannot {self.doing} in {where(self.channel, self.channel_id)}: give it {names} there."


class GuildOutage(RuntimeError):
    """The guild is in a Discord outage: raised so the bus redelivers the command later."""


def guild_or_refuse(bot: discord.Client, guild_id: int | str) -> discord.Guild:
    guild = bot.get_guild(int(guild_id))
    if guild is None:
        raise CommandRefused(
            CommandErrorCode.GUILD_UNAVAILABLE, "The bot is not in this server (it was removed, or the server is gone)."
        )
    if guild.unavailable:
        raise GuildOutage(f"guild {guild_id} is unavailable (Discord outage)")
    return guild


async def channel_in(bot: discord.Client, guild: discord.Guild, channel_id: int | str) -> Any:
    """A channel or thread of ``guild``: from the cache, else fetched (archived threads are not cached).
    Discord's NotFound / Forbidden propagate (UNKNOWN_CHANNEL / MISSING_PERMISSIONS)."""
    cid = int(channel_id)
    found = guild.get_channel_or_thread(cid)
    if found is not None:
        return found
    fetched = await bot.fetch_channel(cid)
    fetched_guild = getattr(fetched, "guild", None)
    if fetched_guild is None or fetched_guild.id != guild.id:
        raise CommandRefused(CommandErrorCode.INVALID_COMMAND, f"Channel {cid} is not a channel of this server.")
    return fetched


async def text_channel_in(bot: discord.Client, guild: discord.Guild, channel_id: int, named: str) -> Any:
    """``channel_in`` for a channel the bot posts in: a category, a forum or a voice channel without
    a text chat is refused in plain words, naming the setting (``named``, e.g. "review channel")."""
    channel = await channel_in(bot, guild, channel_id)
    if not isinstance(channel, discord.abc.Messageable) or isinstance(channel, discord.ForumChannel):
        raise CommandRefused(
            CommandErrorCode.INVALID_COMMAND, f"The {named} {where(channel, channel_id)} is not a text channel."
        )
    return channel


def deferred_reply(interaction: discord.Interaction) -> InteractionReply:
    """What the api needs to answer a deferred interaction (interaction.followup)."""
    return InteractionReply(application_id=str(interaction.application_id), token=interaction.token)


async def forward_deferred(bot: Any, interaction: discord.Interaction, env: Envelope, failed: str) -> None:
    """Publishes the event of a deferred interaction; the api answers it. When the broker cannot take
    it, the member is told `failed` instead of waiting for an answer that will not come."""
    try:
        await bot.bus.publish_event(env)
    except Exception:
        log.exception("guild %s: could not publish %s %s", env.guild_id, env.type, env.id)
        await interaction.edit_original_response(content=failed)
