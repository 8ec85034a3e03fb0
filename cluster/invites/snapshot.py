"""Each tracked guild's invite uses, as plain ints: code -> uses (no discord.py Invite objects).

Filled from ``GET /guilds/{id}/invites`` (+ ``GET /guilds/{id}/vanity-url``), then kept current from
INVITE_CREATE / INVITE_DELETE without refetching. Invites with a use limit also keep
``(max_uses, expires_at)`` so that one used up (Discord deletes it on its last use) can be told from one
deleted by hand or expired. ``generation`` is the shard's connection generation at fetch time: after a
shard re-identifies, events may have been missed and the snapshot is no longer a baseline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any


def _epoch(value: Any) -> int:
    """ISO 8601 (or datetime) -> epoch seconds; 0 for never / unreadable."""
    if not value:
        return 0
    try:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return 0
    return int(when.timestamp())


class InviteSnapshot:
    __slots__ = ("deleted", "generation", "limited", "uses", "vanity_code", "vanity_uses")

    def __init__(
        self,
        uses: dict[str, int] | None = None,
        *,
        limited: dict[str, tuple[int, int]] | None = None,
        vanity_code: str | None = None,
        vanity_uses: int | None = None,
        generation: int = 0,
    ) -> None:
        self.uses: dict[str, int] = uses if uses is not None else {}
        self.limited: dict[str, tuple[int, int]] = limited if limited is not None else {}
        self.deleted: dict[str, float] = {}  # limited codes whose INVITE_DELETE came (monotonic time)
        self.vanity_code = vanity_code
        self.vanity_uses = vanity_uses  # None: not readable (no vanity, or no permission)
        self.generation = generation

    @classmethod
    def from_payloads(
        cls,
        invites: Iterable[Mapping[str, Any]],
        *,
        vanity_code: str | None = None,
        vanity_uses: int | None = None,
        generation: int = 0,
    ) -> InviteSnapshot:
        """From the JSON of ``GET /guilds/{id}/invites`` (invites with metadata)."""
        snap = cls(vanity_code=vanity_code, vanity_uses=vanity_uses, generation=generation)
        for inv in invites:
            snap.put(str(inv["code"]), int(inv.get("uses") or 0), int(inv.get("max_uses") or 0), inv.get("expires_at"))
        return snap

    def put(self, code: str, uses: int, max_uses: int = 0, expires_at: Any = None) -> None:
        """An invite as fetched or created (INVITE_CREATE)."""
        self.uses[code] = uses
        if max_uses:
            self.limited[code] = (max_uses, _epoch(expires_at))
        else:
            self.limited.pop(code, None)
        self.deleted.pop(code, None)

    def remove(self, code: str, *, now: float) -> None:
        """INVITE_DELETE. An invite with uses left is kept until the next fetch: it may have been used
        up by a join whose GUILD_MEMBER_ADD is about to arrive (Discord deletes it first)."""
        limit = self.limited.get(code)
        if limit is not None and code in self.uses and limit[0] - self.uses[code] > 0:
            self.deleted[code] = now
            return
        self.uses.pop(code, None)
        self.limited.pop(code, None)
        self.deleted.pop(code, None)

    def __len__(self) -> int:
        return len(self.uses)

    def __repr__(self) -> str:
        return f"InviteSnapshot({self.uses!r}, vanity={self.vanity_code!r}:{self.vanity_uses!r}, gen={self.generation})"
