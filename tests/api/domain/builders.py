"""Builders for the domain tests: partners, submissions and ledgers in a known state."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest
from hypothesis import settings as hypothesis_settings

from api.domain.enums import ApplicationSource, ChannelMode
from api.domain.errors import ErrorCode, RuleViolation
from api.domain.ledger import ActiveSlot, Ledger, PendingSlot
from api.domain.models import GuildSettings, PartnerServer, Submission

GUILD = 1100000000000000000
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
TICK = timedelta(microseconds=1)

# Partner and user ids live in separate ranges so a test can never confuse them.
PARTNER = 1200000000000000000
REP = 1300000000000000000
OTHER_PARTNER = PARTNER + 1
OTHER_REP = REP + 1
# Filler slots (to reach a limit) use their own ranges, away from the ids a test names.
FILLER_PARTNER = 1400000000000000000
FILLER_REP = 1500000000000000000

SHOWCASE_CHANNEL = 1600000000000000001
SHOWCASE_CATEGORY = 1600000000000000002
SHOWCASE_FORUM = 1600000000000000003
TICKET_CHANNEL = 1600000000000000004

# With a showcase: approvals and bumps request a post.
SHOWCASED = GuildSettings(channel_mode=ChannelMode.SINGLE_CHANNEL, showcase_channel_id=SHOWCASE_CHANNEL)

# Property tests: no example database (keeps the tree clean) and no per-example deadline.
PROPERTY = hypothesis_settings(database=None, deadline=None)


def partner_server(partner_id: int = PARTNER, members: int | None = 5000, name: str | None = None) -> PartnerServer:
    return PartnerServer(
        id=partner_id,
        name=name or f"Server {partner_id % 1000}",
        icon_url=None,
        member_count=members,
        invite_code=f"inv{partner_id % 10**6}",
    )


def submission(
    partner_id: int = PARTNER,
    representative_id: int = REP,
    *,
    source: ApplicationSource = ApplicationSource.SLASH,
    members: int | None = 5000,
    name: str | None = None,
    at: datetime = T0,
) -> Submission:
    return Submission(
        guild_id=GUILD,
        partner=partner_server(partner_id, members, name),
        representative_id=representative_id,
        advertisement="Join our friendly server: events every week!",
        source=source,
        submitted_at=at,
    )


def filler_pending(count: int, at: datetime = T0 - 48 * HOUR) -> dict[str, PendingSlot]:
    return {f"fill-app-{i}": PendingSlot(FILLER_PARTNER + i, FILLER_REP + i, at) for i in range(count)}


def filler_active(count: int, at: datetime = T0 - 48 * HOUR) -> dict[str, ActiveSlot]:
    return {
        f"fill-ps-{i}": ActiveSlot(FILLER_PARTNER + 10_000 + i, f"fill-app-a{i}", FILLER_REP + 10_000 + i, at)
        for i in range(count)
    }


def filler_blacklist(count: int) -> frozenset[int]:
    return frozenset(FILLER_PARTNER + 20_000 + i for i in range(count))


def make_ledger(
    settings: GuildSettings | None = None,
    *,
    pending: Mapping[str, PendingSlot] | None = None,
    active: Mapping[str, ActiveSlot] | None = None,
    blacklisted: Iterable[int] = (),
    last_by_representative: Mapping[int, datetime] | None = None,
    last_by_partner: Mapping[int, datetime] | None = None,
    version: int = 7,
) -> Ledger:
    """A ledger at `version` (not 0, so "+1" is not confused with "set to 1")."""
    base = Ledger(guild_id=GUILD, settings=settings or GuildSettings())
    return replace(
        base,
        version=version,
        pending=_proxy(pending),
        active=_proxy(active),
        blacklisted=frozenset(blacklisted),
        last_by_representative=_proxy(last_by_representative),
        last_by_partner=_proxy(last_by_partner),
    )


def _proxy(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


def state(ledger: Ledger) -> tuple:
    """A deep, plain copy of everything a ledger holds: compare before/after to prove immutability."""
    return (
        ledger.guild_id,
        ledger.version,
        ledger.settings,
        dict(ledger.pending),
        dict(ledger.active),
        set(ledger.blacklisted),
        dict(ledger.last_by_representative),
        dict(ledger.last_by_partner),
    )


def refused(call, ledger: Ledger, *args, code: ErrorCode) -> RuleViolation:
    """`call(ledger, *args)` is refused with `code`, and a refusal records nothing: the ledger is
    exactly as before."""
    before = state(ledger)
    with pytest.raises(RuleViolation) as caught:
        call(ledger, *args)
    assert caught.value.code == code, caught.value
    assert state(ledger) == before
    return caught.value
