"""What a request read through its loaders, and whether those reads would still find the same.

A query whose fields are computed only from their parent, their arguments, the caller's permissions
and loader reads (api/graphql/cacheable.py says which fields are) gives the same answer as long as
every read gives the same value. The loaders record their batch reads here (`ReadLog`) when asked
to; `still_current` reads the same keys again, through the same batch functions, and compares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

# A loader's batch read: keys -> one value per key, in the keys' order (None when not found).
BatchRead = Callable[[list[Any]], Awaitable[list[Any]]]


@dataclass(frozen=True)
class Source:
    """One loader's batch read, and what of a value decides "the same" (the value itself unless told)."""

    read: BatchRead
    fingerprint: Callable[[Any], Any] = lambda value: value


@dataclass
class ReadLog:
    """The values a request's loaders read, by source and key (the last read of a key wins)."""

    values: dict[str, dict[Any, Any]] = field(default_factory=dict)

    def record(self, source: str, keys: Sequence[Any], values: Sequence[Any]) -> None:
        self.values.setdefault(source, {}).update(zip(keys, values, strict=True))


async def still_current(sources: dict[str, Source], log: ReadLog) -> bool:
    """True when reading every recorded key again finds the same values (by each source's fingerprint).
    One batch read per source, as the request itself made."""
    for name, recorded in log.values.items():
        source = sources[name]
        keys = list(recorded)
        now = await source.read(keys)
        if any(source.fingerprint(a) != source.fingerprint(b) for a, b in zip(now, recorded.values(), strict=True)):
            return False
    return True
