"""Join attribution as pure functions: which invite a batch of joins came through, never guessed.

A batch is the joins of one guild that share one invite fetch. Joiners are indistinguishable to us
(Discord does not say which invite a member used), so every member of a batch gets the same label:

- no invite count rose (and the vanity did not)            -> UNKNOWN
- exactly one source rose, by exactly the number of joins  -> INVITE (that code) or VANITY
- anything else (several sources rose, or the uses that rose
  do not match the number of joins)                        -> AMBIGUOUS, candidates = the codes that rose

"Exactly" is the only case we can prove: n joins, n new uses, one source. Two joins with invites A
and B each +1, or three joins with A +2 and B +1, are AMBIGUOUS for every member of the batch
(candidates A, B). Two joins with only A +1 (one came another way: discovery, an OAuth2 add) are
AMBIGUOUS with candidates [A] for both. Bot accounts cannot accept invites (they are added through
OAuth2), so bots are UNKNOWN and do not count as joins of the batch.

An invite that disappeared since the last snapshot counts as a rise of its remaining uses when it
had a use limit, had not expired, and (if its INVITE_DELETE was seen) was deleted recently: Discord
deletes an invite the moment it reaches max_uses, just before the member's GUILD_MEMBER_ADD. An
unlimited invite that disappeared was deleted or expired: no rise.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from bus.contracts.common import JoinType


@dataclass(frozen=True, slots=True)
class Label:
    join_type: JoinType
    invite_code: str | None = None
    candidates: tuple[str, ...] = field(default=())


UNKNOWN = Label(JoinType.UNKNOWN)


def invite_rises(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """Codes whose uses went up between two snapshots, with how much. A code absent from ``before``
    (created since, and its INVITE_CREATE missed) starts from 0 uses, as every new invite does."""
    rises: dict[str, int] = {}
    for code, uses in after.items():
        rise = uses - before.get(code, 0)
        if rise > 0:
            rises[code] = rise
    return rises


def vanished_rises(
    before: Mapping[str, int],
    after: Collection[str],
    limited: Mapping[str, tuple[int, int]],
    *,
    now: float,
    deleted_at: Mapping[str, float] | None = None,
    recent_since: float | None = None,
) -> dict[str, int]:
    """Rises of the invites in ``before`` that are missing from ``after`` and were used up.

    ``limited``: code -> (max_uses, expires_at as epoch seconds or 0 for never), only for invites with
    a use limit. ``now``: epoch seconds (an invite past its expiry vanished by expiring). ``deleted_at``
    / ``recent_since``: when the INVITE_DELETE of a code was seen (any monotonic clock), and the
    earliest such time still believable as "used up by this batch"; an older deletion was by hand."""
    rises: dict[str, int] = {}
    for code, uses in before.items():
        if code in after or code not in limited:
            continue
        max_uses, expires_at = limited[code]
        if expires_at and expires_at <= now:
            continue
        if deleted_at is not None and recent_since is not None:
            seen = deleted_at.get(code)
            if seen is not None and seen < recent_since:
                continue
        remaining = max_uses - uses
        if remaining > 0:
            rises[code] = remaining
    return rises


def attribute(
    joins: int,
    rises: Mapping[str, int],
    *,
    vanity_code: str | None = None,
    vanity_rise: int = 0,
) -> Label:
    """The label shared by ``joins`` (human) joins of one batch, given the invite rises and the
    vanity URL's rise."""
    if joins <= 0:
        return UNKNOWN
    sources = {code: rise for code, rise in rises.items() if rise > 0}
    vanity = vanity_code if vanity_code and vanity_rise > 0 else None
    if vanity is not None:
        sources.pop(vanity, None)  # the vanity code is never a normal invite code; be safe anyway
    total = sum(sources.values()) + (vanity_rise if vanity is not None else 0)
    if total == 0:
        return UNKNOWN
    if total == joins and len(sources) + (vanity is not None) == 1:
        if vanity is not None:
            return Label(JoinType.VANITY, vanity)
        (code,) = sources
        return Label(JoinType.INVITE, code)
    candidates = sorted(sources)
    if vanity is not None:
        candidates.append(vanity)
    return Label(JoinType.AMBIGUOUS, None, tuple(candidates))


def label_batch(
    bots: Sequence[bool],
    rises: Mapping[str, int],
    *,
    vanity_code: str | None = None,
    vanity_rise: int = 0,
) -> list[Label]:
    """One label per join of the batch (``bots[i]``: whether join i is a bot account)."""
    humans = sum(1 for is_bot in bots if not is_bot)
    shared = attribute(humans, rises, vanity_code=vanity_code, vanity_rise=vanity_rise)
    return [UNKNOWN if is_bot else shared for is_bot in bots]


def uses_accounted(rises: Mapping[str, int], vanity_rise: int = 0) -> int:
    """How many joins the rises stand for (used to wait briefly for joins not yet delivered)."""
    return sum(r for r in rises.values() if r > 0) + max(vanity_rise, 0)


def vanity_rise(
    before_code: str | None, before_uses: int | None, after_code: str | None, after_uses: int | None
) -> int:
    """The vanity URL's rise; 0 when either count is unknown or the vanity code changed in between."""
    if before_code is None or before_code != after_code or before_uses is None or after_uses is None:
        return 0
    return max(after_uses - before_uses, 0)
