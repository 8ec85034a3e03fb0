"""Scalar types shared by the envelope and every message: snowflakes and UTC timestamps.

Discord ids are 64-bit, more than a JavaScript number holds exactly, so on the wire they are always
decimal strings. Producers written against discord.py hold ints: the validators accept an int too and
normalise it to the canonical string, so both sides compare ids as equal strings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

_MAX_ID = 2**64 - 1


def _to_id(value: Any, *, allow_zero: bool) -> str:
    # bool is an int subclass: True must not become guild "1".
    if isinstance(value, bool):
        raise ValueError("a snowflake is a decimal string, not a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and 0 < len(value) <= 20 and value.isascii() and value.isdigit():
        number = int(value)
    else:
        raise ValueError("a snowflake is a decimal string of digits")
    low = 0 if allow_zero else 1
    if not low <= number <= _MAX_ID:
        raise ValueError(f"a snowflake lies in {low}..2**64-1")
    return str(number)


def _snowflake(value: Any) -> str:
    return _to_id(value, allow_zero=False)


def _guild_id(value: Any) -> str:
    return _to_id(value, allow_zero=True)


def _utc(value: datetime) -> datetime:
    # A naive time from another program is taken as UTC rather than refused: refusing would send an
    # otherwise good message to the dead-letter queue over a formatting detail.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


Snowflake = Annotated[str, BeforeValidator(_snowflake)]
"""A Discord id, 1..2**64-1, serialised as a decimal string (an int is accepted on input)."""

GuildId = Annotated[str, BeforeValidator(_guild_id)]
"""An envelope's guild id: a snowflake, or "0" for node-level messages that concern no guild."""

UtcDateTime = Annotated[datetime, AfterValidator(_utc)]
"""A timestamp normalised to UTC; serialised as ISO 8601 ("2025-01-31T12:00:00Z")."""

NODE_GUILD_ID = "0"
"""Envelope guild_id of node-level messages (e.g. shard.ready). Routes to shard 0 like DMs do."""


def utcnow() -> datetime:
    return datetime.now(UTC)
