"""The CONFIRM flow after approval: the representative's Continue / No thanks, the answer deadline,
and staff sending the question again.

Approval (`applications.py`) leaves the partnership AWAITING_PARTNER with its active slot held, asks
the representative (`effects.on_approval`) and schedules the deadline (`ConfirmationDeadlineSet`).
Continue makes it ACTIVE and only then exchanges the ads (`effects.approval_effects`); No thanks and
the deadline end it. Every answer is checked against the ledger, so a late, repeated or foreign click
changes nothing and is told why.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from bus import Envelope
from bus.contracts import PartnershipAnswer, parse_as

from ..domain import ledger as rules
from ..domain.enums import PartnershipStatus, QueueEventType
from ..domain.errors import ErrorCode, RuleViolation
from ..domain.models import Partnership
from ..domain.records import MutualLinkJoined, PartnershipConfirmed
from ..store.partnerships import PartnershipRepository
from ..store.scheduled import Claim
from . import audit, effects, endings, journal, notices
from .journal import Outgoing
from .mutual import MutualService
from .writer import Change, GuildWriter

log = logging.getLogger(__name__)

DECLINED = "declined by the partner"
NO_ANSWER = "no answer"

NOT_YOURS = "Only the representative who applied can answer this partnership offer."
GONE = "This partnership offer no longer exists."
CONTINUED = "Thanks! The partnership is on: our advertisement with your invite link is on its way to you."
DECLINED_REPLY = "Understood: the partnership will not go ahead. Thanks for letting us know."


def _already(p: Partnership) -> str:
    if p.status is PartnershipStatus.ACTIVE:
        return "You already confirmed this partnership."
    return "This partnership offer has ended" + (f" ({p.end_reason})." if p.end_reason else ".")


@dataclasses.dataclass(frozen=True, eq=False, slots=True)
class Confirmations:
    _writer: GuildWriter
    _partnerships: PartnershipRepository
    _mutual: MutualService | None = None

    # --- the representative's click (partnership.answer) ------------------------------------------

    async def answer(self, envelope: Envelope) -> None:
        data = parse_as(envelope, PartnershipAnswer)
        guild_id = int(envelope.guild_id)
        p = await self._partnerships.get(data.partnership_id)
        if p is None or p.guild_id != guild_id:  # touches only the guild the event names
            await self._writer.send_unjournaled([effects.followup(guild_id, data.reply, GONE)])
            return
        if int(data.user_id) != p.representative_id:
            await self._writer.send_unjournaled([effects.followup(guild_id, data.reply, NOT_YOURS)])
            return
        if p.status is not PartnershipStatus.AWAITING_PARTNER:
            await self._writer.send_unjournaled([effects.followup(guild_id, data.reply, _already(p))])
            return
        try:
            if data.answer == "CONTINUE":
                await self.confirm(p, effects.followup(guild_id, data.reply, CONTINUED))
            else:
                await self.decline(p, effects.followup(guild_id, data.reply, DECLINED_REPLY))
        except RuleViolation as violation:  # e.g. past the deadline, or ended by staff meanwhile
            fresh = await self._partnerships.get(p.id) or p
            text = _already(fresh) if fresh.status is not PartnershipStatus.AWAITING_PARTNER else violation.message
            await self._writer.send_unjournaled([effects.followup(guild_id, data.reply, text)])

    async def confirm(self, p: Partnership, reply: Outgoing | None = None) -> None:
        # Read again: a tracked invite stored meanwhile is used, not made a second time.
        p = await self._partnerships.get(p.id) or p

        def decide(ledger: rules.Ledger, now: datetime) -> Change[None]:
            new = rules.confirm(ledger, p.id, now)
            active = dataclasses.replace(p, status=PartnershipStatus.ACTIVE)
            s = ledger.settings
            items = [
                PartnershipConfirmed(p.id, now),
                journal.live(QueueEventType.PARTNERSHIP_CONFIRMED, p.guild_id, new.version, now, partnership_id=p.id),
                audit.entry(
                    p.guild_id, now, p.representative_id, "partnership.confirm", p.id,
                    {"status": "AWAITING_PARTNER"}, {"status": "ACTIVE"},
                ),
                *([reply] if reply else []),
                *effects.approval_effects(active, s),
                *effects.tell_staff(p.guild_id, s, notices.partner_confirmed(p.partner, p.representative_id), p.id),
                MutualLinkJoined(p.guild_id, p.partner.id, p.id, new.version),
            ]  # fmt: skip
            return Change(new, items)

        await self._follow(await self._writer.run(p.guild_id, decide))  # what approval does when ACTIVE
        if self._mutual is not None:
            confirmed = await self._partnerships.get(p.id)
            if confirmed is not None and confirmed.status is PartnershipStatus.ACTIVE:
                if p.tracked_invite_code is not None:  # else the invite's completion files the request
                    await self._mutual.offer(confirmed, p.tracked_invite_code)

    async def decline(self, p: Partnership, reply: Outgoing | None = None) -> None:
        def decide(ledger: rules.Ledger, now: datetime) -> Change[None]:
            new = rules.decline(ledger, p.id)
            content = notices.partner_declined(p.partner, p.representative_id)
            items = [
                *endings.partnership_ended(p, new, now, p.representative_id, DECLINED),
                *([reply] if reply else []),
                *effects.tell_staff(p.guild_id, ledger.settings, content, p.id),
            ]
            return Change(new, items)

        await self._follow(await self._writer.run(p.guild_id, decide))

    # --- the deadline (scheduled work `confirm.deadline`) -----------------------------------------

    async def deadline(self, claim: Claim, now: datetime) -> datetime | None:
        """Ends the offer when it is still unanswered at its deadline; otherwise nothing. Idempotent."""
        p = await self._partnerships.get(claim.key)
        if p is None:
            return None

        def decide(ledger: rules.Ledger, _now: datetime) -> Change[None]:
            # The scheduler's clock decided the piece is due; the rule checks the same instant.
            new = rules.expire(ledger, p.id, now)
            if new is None:
                return Change(None)
            items = [
                *endings.partnership_ended(p, new, now, None, NO_ANSWER),
                *effects.tell_staff(p.guild_id, ledger.settings, notices.partner_no_answer(p.partner), p.id),
            ]
            return Change(new, items)

        await self._follow(await self._writer.run(p.guild_id, decide))
        return None

    async def _follow(self, change: Change) -> None:
        """The partner's side is told of a confirmed or ended offer as of every start and end
        (`MutualService.follow`)."""
        if self._mutual is not None:
            await self._mutual.follow(change)

    # --- staff: send the question again -----------------------------------------------------------

    async def resend(self, p: Partnership, actor: int | None) -> Partnership:
        def decide(ledger: rules.Ledger, now: datetime) -> Change[None]:
            until = rules.check_awaiting(ledger, p.id, now)
            items = [
                audit.entry(p.guild_id, now, actor, "partnership.resend_confirmation", p.id),
                *effects.confirm_ask(p, until),
            ]
            return Change(ledger.next_version(), items)

        if p.status is not PartnershipStatus.AWAITING_PARTNER:
            raise RuleViolation(ErrorCode.INVALID_STATE, "This partnership is not waiting for the partner's answer.")
        await self._writer.run(p.guild_id, decide)
        return await self._partnerships.get(p.id) or p
