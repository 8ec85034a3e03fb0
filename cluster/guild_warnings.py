"""``guild.warning`` events: the guild's setup keeps the bot from doing its job (a missing permission,
a deleted channel or role, a role above the bot's). Staff see the latest per guild and code on the
dashboard until fixed; every occurrence is also logged.

One class, rate-limited per guild and code (and ``about``, for two problems sharing a code): each
feature picks how often a repeat may be re-sent (``every`` seconds; ``math.inf`` = once, until
``resolved``), so a guild that keeps failing does not flood the bus.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable

import discord

from bus import Envelope
from bus.contracts.common import GuildWarningCode
from bus.contracts.events import GuildWarning
from cluster.discord_errors import DiscordError, is_code

log = logging.getLogger(__name__)

Text = Callable[[], str] | str  # a message, or how to make it (only made when a warning is due)


class GuildWarnings:
    """Publishes ``guild.warning`` at most once per guild, code and ``about`` every ``every`` seconds."""

    def __init__(
        self,
        publish: Callable[[Envelope], Awaitable[None]],
        *,
        every: float,
        remember: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._publish = publish
        self.every = every
        self._sent: OrderedDict[tuple[int, str, str], float] = OrderedDict()
        self._remember = remember
        self._clock = clock

    async def warn(self, guild_id: int | str, code: GuildWarningCode | str, message: str, *, about: str = "") -> bool:
        """Publish unless this warning went out recently; True when published. Never raises: a warning
        is best effort and must not hide the failure it is about."""
        code = str(code)
        log.warning("guild %s: %s: %s", guild_id, code, message)
        key = (int(guild_id), code, about)
        now = self._clock()
        last = self._sent.get(key)
        if last is not None and now - last < self.every:
            return False
        self._sent[key] = now
        self._sent.move_to_end(key)
        while len(self._sent) > self._remember:
            self._sent.popitem(last=False)
        try:
            await self._publish(Envelope.new("guild.warning", guild_id, GuildWarning(code=code, message=message)))
        except Exception:
            log.exception("guild %s: could not publish warning %s", guild_id, code)
            self._sent.pop(key, None)  # not sent: the next occurrence tries again
            return False
        return True

    def sent(self, guild_id: int | str, code: GuildWarningCode | str, *, about: str = "") -> bool:
        """Whether this warning went out and was not resolved since."""
        return (int(guild_id), str(code), about) in self._sent

    def resolved(self, guild_id: int | str, code: GuildWarningCode | str, *, about: str = "") -> None:
        """The problem is fixed: the next occurrence is published at once."""
        self._sent.pop((int(guild_id), str(code), about), None)

    def forget(self, guild_id: int | str) -> None:
        gid = int(guild_id)
        for key in [k for k in self._sent if k[0] == gid]:
            del self._sent[key]

    @contextlib.asynccontextmanager
    async def watch(
        self, guild_id: int | str, *, permissions: Text | None = None, channel_missing: Text | None = None
    ) -> AsyncIterator[None]:
        """Warn about a Discord refusal raised inside the block, then let it propagate: 403 Missing
        Permissions / Missing Access -> MISSING_PERMISSIONS with ``permissions`` as the message; 404
        Unknown Channel -> CHANNEL_MISSING with ``channel_missing``. None: no warning for that case."""
        try:
            yield
        except discord.HTTPException as exc:
            if permissions is not None and is_code(exc, DiscordError.MISSING_PERMISSIONS, DiscordError.MISSING_ACCESS):
                await self.warn(guild_id, GuildWarningCode.MISSING_PERMISSIONS, _text(permissions))
            elif channel_missing is not None and is_code(exc, DiscordError.UNKNOWN_CHANNEL):
                await self.warn(guild_id, GuildWarningCode.CHANNEL_MISSING, _text(channel_missing))
            raise


def _text(message: Text) -> str:
    return message() if callable(message) else message
