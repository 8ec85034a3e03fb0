"""Finding a command's guild and channels, and telling staff about setup problems.

A command whose target Discord refuses fails with a plain-words ``command.completed`` (see
``cluster.command_results``). When the cause is the guild's setup (the bot lacks a permission, a
configured channel or role was deleted, a role sits above the bot's), the node also publishes a
``guild.warning`` so the dashboard can show it until fixed. Warnings are rate-limited per guild and
code (``GuildWarnings.every``): a showcase that keeps failing does not flood the bus.

Handlers let Discord's exceptions propagate after warning: the runner turns them into the failed
outcome (``watch`` re-raises).
"""

from __future__ import annotations

import contextlib
import logging
import time
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import discord

from bus import Envelope
from bus.contracts.common import CommandErrorCode, GuildWarningCode
from bus.contracts.events import GuildWarning
from cluster.command_results import CommandRefused

log = logging.getLogger(__name__)

# Discord JSON error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes)
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
UNKNOWN_ROLE = 10011
UNKNOWN_MEMBER = 10007
UNKNOWN_USER = 10013

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


class GuildOutage(RuntimeError):
    """The guild is in a Discord outage: raised so the bus redelivers the command later."""


def guild_or_refuse(bot: Any, guild_id: int | str) -> discord.Guild:
    guild = bot.get_guild(int(guild_id))
    if guild is None:
        raise CommandRefused(
            CommandErrorCode.GUILD_UNAVAILABLE, "The bot is not in this server (it was removed, or the server is gone)."
        )
    if guild.unavailable:
        raise GuildOutage(f"guild {guild_id} is unavailable (Discord outage)")
    return guild


async def channel_in(bot: Any, guild: discord.Guild, channel_id: int | str) -> Any:
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


def is_code(exc: BaseException, *codes: int) -> bool:
    return isinstance(exc, discord.HTTPException) and exc.code in codes


class GuildWarnings:
    """Publishes ``guild.warning`` at most once per guild and code every ``every`` seconds."""

    every = 3600.0

    def __init__(
        self,
        publish: Callable[[Envelope], Any],
        *,
        remember: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._publish = publish
        self._sent: OrderedDict[tuple[int, str], float] = OrderedDict()
        self._remember = remember
        self._clock = clock

    async def warn(self, guild_id: int | str, code: str, message: str) -> bool:
        """Publish unless this guild got a warning with this code recently. Never raises: a warning is
        best effort and must not hide the failure it is about."""
        key = (int(guild_id), str(code))
        now = self._clock()
        last = self._sent.get(key)
        if last is not None and now - last < self.every:
            return False
        self._sent[key] = now
        self._sent.move_to_end(key)
        while len(self._sent) > self._remember:
            self._sent.popitem(last=False)
        try:
            await self._publish(Envelope.new("guild.warning", guild_id, GuildWarning(code=str(code), message=message)))
        except Exception:
            log.exception("guild %s: could not publish warning %s", guild_id, code)
            self._sent.pop(key, None)
            return False
        log.warning("guild %s: %s: %s", guild_id, code, message)
        return True

    def forget(self, guild_id: int | str) -> None:
        gid = int(guild_id)
        for key in [k for k in self._sent if k[0] == gid]:
            del self._sent[key]

    @contextlib.asynccontextmanager
    async def watch(
        self,
        guild_id: int | str,
        *,
        permissions: Callable[[], str] | str | None = None,
        channel_missing: Callable[[], str] | str | None = None,
    ) -> AsyncIterator[None]:
        """Warn about a Discord refusal raised inside the block, then let it propagate: 403 Missing
        Permissions / Missing Access -> MISSING_PERMISSIONS with ``permissions`` as the message; 404
        Unknown Channel -> CHANNEL_MISSING with ``channel_missing``. None: no warning for that case."""
        try:
            yield
        except discord.HTTPException as exc:
            if permissions is not None and is_code(exc, MISSING_PERMISSIONS, MISSING_ACCESS):
                await self.warn(guild_id, GuildWarningCode.MISSING_PERMISSIONS, _text(permissions))
            elif channel_missing is not None and is_code(exc, UNKNOWN_CHANNEL):
                await self.warn(guild_id, GuildWarningCode.CHANNEL_MISSING, _text(channel_missing))
            raise


def _text(message: Callable[[], str] | str) -> str:
    return message() if callable(message) else message


_by_bot: weakref.WeakKeyDictionary[Any, GuildWarnings] = weakref.WeakKeyDictionary()


def warnings_for(bot: Any) -> GuildWarnings:
    """The node's one ``GuildWarnings`` (shared by the cogs, so the rate limit is per node)."""
    found = _by_bot.get(bot)
    if found is None:
        found = _by_bot[bot] = GuildWarnings(bot.bus.publish_event)
    return found
