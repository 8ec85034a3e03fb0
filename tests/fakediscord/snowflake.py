"""Snowflake ids, with control over which shard a guild id lands on."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1420070400000


def shard_for(guild_id: int, shard_count: int) -> int:
    """The shard Discord routes a guild to: ``(guild_id >> 22) % shard_count``."""
    return (int(guild_id) >> 22) % shard_count


def snowflake_time(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((int(snowflake) >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


class SnowflakeFactory:
    """Makes unique snowflakes.

    Every id gets its own millisecond (ids are strictly increasing), starting about 30 days in the
    past so that ``created_at`` looks like a real, not brand-new, object. ``next(shard=s,
    shard_count=n)`` skips forward to the next millisecond whose value lands on shard ``s`` of ``n``.
    """

    def __init__(self, start: datetime | None = None) -> None:
        start_ms = int(start.timestamp() * 1000) if start is not None else int(time.time() * 1000) - 30 * 86_400_000
        self._ms = start_ms - DISCORD_EPOCH_MS
        self._lock = threading.Lock()
        self._at_counter = itertools.count(1)

    def next(self, *, shard: int | None = None, shard_count: int | None = None) -> int:
        with self._lock:
            ms = self._ms + 1
            if shard is not None:
                if not shard_count or not 0 <= shard < shard_count:
                    raise ValueError(f"shard {shard} is not in range for shard_count {shard_count}")
                ms += (shard - ms) % shard_count
            self._ms = ms
            return ms << 22

    def at(self, when: datetime) -> int:
        """A unique snowflake whose timestamp is ``when`` (e.g. a user created an hour ago)."""
        ms = int(when.timestamp() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._at_counter) & 0x3FFFFF)


_default = SnowflakeFactory()


def make_id() -> int:
    return _default.next()


def make_guild_id(shard: int, shard_count: int) -> int:
    """A fresh guild id with ``(id >> 22) % shard_count == shard``."""
    return _default.next(shard=shard, shard_count=shard_count)


def default_factory() -> SnowflakeFactory:
    return _default
