"""What a representative asks for in Discord (`/ppartner status`, `withdraw`, `bump`).

Each request arrives as a `representative.*` event carrying the interaction to answer; the answer goes
back as `interaction.followup` (ephemeral), the pattern `/ppartner apply` uses. Only the member who is
the representative of an application or partnership can act on it: anyone else is told they have none
here, and nothing changes. A redelivered request is answered once (processed event ids).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bus import Envelope
from bus.contracts import InteractionReply, RepresentativeRequest, ReviewStatus, parse_as

from ..domain import ledger as rules
from ..domain.enums import ApplicationStatus, QueueEventType
from ..domain.errors import ErrorCode, RuleViolation
from ..domain.models import Application
from ..domain.records import ApplicationDecided
from ..store.applications import ApplicationRepository
from ..store.partnerships import PartnershipRepository
from ..store.processed import ProcessedEvents
from . import audit, effects, journal
from . import representative_texts as say
from .partnerships import PartnershipService
from .writer import Change, GuildWriter

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, eq=False, slots=True)
class RepresentativeRequests:
    _writer: GuildWriter
    _apps: ApplicationRepository
    _partnerships: PartnershipRepository
    _partnership_service: PartnershipService
    _processed: ProcessedEvents

    async def status(self, envelope: Envelope) -> None:
        data = parse_as(envelope, RepresentativeRequest)
        guild_id, user = int(envelope.guild_id), int(data.user_id)
        if await self._processed.seen(envelope.id):
            return
        ledger = await self._writer.settle(guild_id)
        apps = await self._apps.get_many(rules.own_pending(ledger, user))
        active = await self._partnerships.get_many(rules.own_active(ledger, user))
        lines = [
            say.pending_line(app, rules.queue_position(ledger, app.id), len(ledger.pending))
            for app in sorted(apps.values(), key=lambda a: a.submitted_at)
        ]
        awaiting = await self._partnerships.get_many(rules.own_awaiting(ledger, user))
        lines += [
            say.awaiting_line(p, ledger.active[p.id].awaiting_until, say.confirm_dm_refused(p))
            for p in sorted(awaiting.values(), key=lambda p: p.started_at)
        ]
        lines += [
            say.active_line(p, ledger.next_bump_at(p.id), ledger.settings.showcase_target_id is not None)
            for p in sorted(active.values(), key=lambda p: p.started_at)
        ]
        await self._answer(envelope, data.reply, "\n".join(lines) if lines else say.NOTHING_HERE)

    async def withdraw(self, envelope: Envelope) -> bool:
        """True when this request withdrew the application (False: refused, or handled before)."""
        data = parse_as(envelope, RepresentativeRequest)
        guild_id, user = int(envelope.guild_id), int(data.user_id)
        if await self._processed.seen(envelope.id):
            return False
        ledger = await self._writer.settle(guild_id)
        try:
            app = await _own(rules.own_pending(ledger, user), lambda i: ledger.pending[i].partner_id, data.partner_id,
                             self._apps.get, say.NO_PENDING, say.WHICH_APPLICATION)  # fmt: skip
            await self._writer.run(guild_id, self._withdrawal(app, user, data.reply))
        except RuleViolation as refusal:
            await self._answer(envelope, data.reply, refusal.message)
            return False
        await self._processed.mark(envelope.id)
        log.info("guild %s: application %s withdrawn by its representative", guild_id, app.id)
        return True

    def _withdrawal(self, app: Application, user: int, reply: InteractionReply) -> Callable:
        def decide(ledger: rules.Ledger, now) -> Change[None]:
            new = rules.withdraw(ledger, app.id, user)
            items = [
                ApplicationDecided(app.id, ApplicationStatus.WITHDRAWN, now, user),
                journal.live(QueueEventType.APPLICATION_WITHDRAWN, app.guild_id, new.version, now, application_id=app.id),
                audit.entry(app.guild_id, now, user, "application.withdraw", app.id,
                            {"status": "PENDING"}, {"status": "WITHDRAWN"}),
                *effects.review_update(app, ReviewStatus.WITHDRAWN, user, None),
                effects.reply_to_submission(app.guild_id, reply, user, None, say.withdrawn(app)),
            ]  # fmt: skip
            return Change(new, items)

        return decide

    async def bump(self, envelope: Envelope) -> None:
        data = parse_as(envelope, RepresentativeRequest)
        guild_id, user = int(envelope.guild_id), int(data.user_id)
        if await self._processed.seen(envelope.id):
            return
        ledger = await self._writer.settle(guild_id)
        try:
            partnership = await _own(rules.own_active(ledger, user), lambda i: ledger.active[i].partner_id,
                                     data.partner_id, self._partnerships.get,
                                     say.NO_ACTIVE, say.WHICH_PARTNERSHIP)  # fmt: skip
            await self._partnership_service.bump(partnership, actor=user)
        except RuleViolation as refusal:
            await self._answer(envelope, data.reply, refusal.message)
            return
        await self._answer(envelope, data.reply, say.bumped(partnership))

    async def _answer(self, envelope: Envelope, reply: InteractionReply, content: str) -> None:
        """An answer that changes nothing (a status, a refusal): sent at once, and the event marked so a
        redelivery does not answer twice (a failure before the mark re-sends it, which is harmless)."""
        await self._writer.send_unjournaled([effects.followup(int(envelope.guild_id), reply, content)])
        await self._processed.mark(envelope.id)


async def _own(
    ids: list[str],
    partner_of: Callable[[str], int],
    partner_id: str | None,
    get: Callable[[str], Awaitable[T | None]],
    none: str,
    which: str,
) -> T:
    """The one record a request is about: the representative's only one, or the one for `partner_id`;
    refused with `none` when there is none (or it is gone), with `which` when the choice is ambiguous."""
    if partner_id is not None:
        ids = [i for i in ids if str(partner_of(i)) == str(partner_id)]
    if not ids:
        raise RuleViolation(ErrorCode.NOT_FOUND, none)
    if len(ids) > 1:
        raise RuleViolation(ErrorCode.VALIDATION, which)
    record = await get(ids[0])
    if record is None:
        raise RuleViolation(ErrorCode.NOT_FOUND, none)
    return record
