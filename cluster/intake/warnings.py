"""``guild.warning`` events: a guild's setup keeps the bot from taking applications (missing
permission, deleted channel). Logged, and sent to the api for the dashboard at most once a minute per
guild and code (the api keeps the latest per guild and code; a busy misconfigured server would
otherwise send one per click)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from bus import Envelope
from bus.contracts.common import GuildWarningCode
from bus.contracts.events import GuildWarning

log = logging.getLogger(__name__)


class GuildWarnings:
    def __init__(self, publish: Callable[[Envelope], Awaitable[None]], *, interval: float = 60.0) -> None:
        self._publish = publish
        self.interval = interval
        self._last: dict[tuple[int, str], float] = {}

    async def report(self, guild_id: int, code: GuildWarningCode, message: str) -> None:
        log.warning("guild %s: %s: %s", guild_id, code.value, message)
        key = (guild_id, code.value)
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            return
        self._last[key] = now
        if len(self._last) > 10_000:  # forget the oldest half; a warning repeated later is harmless
            for old in sorted(self._last, key=self._last.__getitem__)[: len(self._last) // 2]:
                del self._last[old]
        try:
            await self._publish(Envelope.new("guild.warning", guild_id, GuildWarning(code=code.value, message=message)))
        except Exception:
            log.exception("guild %s: could not publish guild.warning %s", guild_id, code.value)
