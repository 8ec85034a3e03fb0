"""Members attributed to partnerships: joins through a tracked invite, and later leaves."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bus import Envelope
from bus.contracts import parse

from ..domain.enums import JoinType, PartnershipStatus
from ..store.joins import JoinRepository
from ..store.partnerships import PartnershipRepository
from ..store.processed import ProcessedEvents
from .journal import LIVE_JOIN

log = logging.getLogger(__name__)


class JoinService:
    def __init__(
        self,
        partnerships: PartnershipRepository,
        joins: JoinRepository,
        processed: ProcessedEvents,
        bus,
        on_representative_join: Callable[[int, int], Awaitable[None]] | None = None,
        count_join: Callable[[JoinType], None] | None = None,
    ):
        self._processed = processed
        self._partnerships = partnerships
        self._joins = joins
        self._bus = bus
        self._on_representative_join = on_representative_join
        self._count_join = count_join  # the joins-by-type metric

    async def joined(self, envelope: Envelope) -> bool:
        """Handles `member.joined`; True when the join was attributed to a partnership now.

        Idempotent: the join document is keyed by the event id, a counted join is marked in the processed
        events, and the partnership counters remember recent event ids for a crash between counting and
        that mark (see `PartnershipRepository.count_event`)."""
        data = parse(envelope)
        guild_id, user_id = int(envelope.guild_id), int(data.user_id)
        if self._count_join is not None:
            self._count_join(data.join_type)
        if self._on_representative_join is not None and not data.bot:
            await self._on_representative_join(guild_id, user_id)
        if data.bot or data.join_type != JoinType.INVITE or not data.invite_code:
            return False  # vanity, unknown and ambiguous joins are never guessed onto a partner
        partnership = await self._partnerships.by_invite_code(guild_id, data.invite_code)
        if partnership is None or partnership.status is not PartnershipStatus.ACTIVE:
            return False
        stored = await self._joins.record_join(envelope.id, guild_id, partnership.id, user_id, data.joined_at)
        if not stored and await self._processed.seen(envelope.id):
            return False  # a redelivery of a join already counted
        # First delivery, or a crash came between storing and counting: count (the partnership's recent
        # event ids cover a crash between counting and marking), then mark. Marking is an insert, which
        # stays cheap however many joins are stored.
        counted = await self._partnerships.count_event(partnership.id, envelope.id, joins=1, retained=1)
        await self._processed.mark(envelope.id)
        if counted:
            # A live notification, not work (bus/contracts/live.py): it belongs to no ledger change, so it
            # goes out directly; a replica that misses it only loses a dashboard refresh.
            live = Envelope.new(
                LIVE_JOIN, guild_id, {"partnership_id": partnership.id, "user_id": str(user_id), "at": data.joined_at}
            )
            await self._bus.publish_live(live)
        return counted

    async def left(self, envelope: Envelope) -> None:
        data = parse(envelope)
        partnership_id = await self._joins.mark_left(
            envelope.id, int(envelope.guild_id), int(data.user_id), data.left_at
        )
        if partnership_id is not None:
            await self._partnerships.count_event(partnership_id, envelope.id, joins=0, retained=-1)
