"""A new advertisement proposed by a representative (`/ppartner ad`), reviewed like an application.

The proposal is the partnership's pending change (`Partnership.proposed_ad`, one at a time: the ledger's
active slot holds its id). It gets a review post with 👍 / 👎 and shows on the dashboard; approved, it
becomes the partnership's ad and the showcase post is edited in place (`showcase.edit`); denied, the
representative is told why by DM. The proposal id is derived from the event id, so a redelivered
request records nothing twice.
"""

from __future__ import annotations

import dataclasses
import logging

from bus import Envelope
from bus.contracts import RepresentativeAd, ReviewStatus, parse_as

from ..domain import ledger as rules
from ..domain import text
from ..domain.enums import QueueEventType
from ..domain.errors import ErrorCode, RuleViolation
from ..domain.models import AdProposal, Partnership
from ..domain.records import AdDecided, AdProposed
from ..store.partnerships import PartnershipRepository
from ..store.processed import ProcessedEvents
from . import audit, effects, journal
from . import representative_texts as say
from .ids import id_for_event
from .writer import Change, GuildWriter

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, eq=False, slots=True)
class AdProposals:
    _writer: GuildWriter
    _partnerships: PartnershipRepository
    _processed: ProcessedEvents

    async def propose(self, envelope: Envelope) -> None:
        """Handles `representative.ad`; the member is answered by ephemeral follow-up either way."""
        data = parse_as(envelope, RepresentativeAd)
        guild_id, user = int(envelope.guild_id), int(data.user_id)
        if await self._processed.seen(envelope.id):
            return
        proposal_id = id_for_event(envelope.id)
        try:
            advertisement = text.advertisement(data.advertisement)
            ledger = await self._writer.settle(guild_id)
            mine = rules.own_active(ledger, user)
            if data.partner_id is not None:
                mine = [p for p in mine if str(ledger.active[p].partner_id) == str(data.partner_id)]
            if not mine:
                raise RuleViolation(ErrorCode.NOT_FOUND, say.NO_ACTIVE)
            if len(mine) > 1:
                raise RuleViolation(ErrorCode.VALIDATION, say.WHICH_PARTNERSHIP)
            partnership = await self._partnerships.get(mine[0])
            if partnership is None:
                raise RuleViolation(ErrorCode.NOT_FOUND, say.NO_ACTIVE)
            proposal = AdProposal(proposal_id, advertisement, envelope.occurred_at)

            def decide(ledger: rules.Ledger, now) -> Change[None]:
                slot = ledger.active.get(partnership.id)
                if slot is not None and slot.proposal_id == proposal_id:
                    return Change(None)  # recorded by an earlier delivery
                new = rules.propose_ad(ledger, partnership.id, user, proposal_id)
                items = [
                    AdProposed(partnership.id, proposal),
                    journal.live(QueueEventType.PARTNERSHIP_UPDATED, guild_id, new.version, now,
                                 partnership_id=partnership.id),
                    audit.entry(guild_id, now, user, "partnership.propose_ad", partnership.id, None,
                                {"proposal_id": proposal_id}),
                    *effects.review_proposal(partnership, proposal, ledger.settings),
                    effects.reply_to_submission(guild_id, data.reply, user, None, say.ad_proposed(partnership)),
                ]  # fmt: skip
                return Change(new, items)

            await self._writer.run(guild_id, decide)
        except RuleViolation as refusal:
            item = effects.reply_to_submission(guild_id, data.reply, user, None, say.ad_refused(refusal.message))
            await self._writer.send_unjournaled([item])  # the refusal changes no ledger
        await self._processed.mark(envelope.id)

    async def decide(
        self, partnership: Partnership, approve: bool, actor: int | None, reason: str | None = None
    ) -> Partnership:
        """Staff approve or deny the partnership's pending proposal (dashboard or review reaction)."""
        proposal = partnership.proposed_ad
        if proposal is None:
            raise RuleViolation(ErrorCode.INVALID_STATE, "This partnership has no proposed advertisement.", ("id",))
        reason = None if approve else text.reason(reason)
        guild_id = partnership.guild_id

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            new = rules.decide_ad(ledger, partnership.id, proposal.id)
            status = ReviewStatus.APPROVED if approve else ReviewStatus.DENIED
            items = [
                AdDecided(partnership.id, proposal.id, proposal.advertisement if approve else None),
                journal.live(QueueEventType.PARTNERSHIP_UPDATED, guild_id, new.version, now,
                             partnership_id=partnership.id),
                audit.entry(guild_id, now, actor, "partnership.approve_ad" if approve else "partnership.deny_ad",
                            partnership.id, {"proposal_id": proposal.id}, {"status": status.value}, reason),
                *effects.review_proposal_update(proposal, guild_id, status, actor, reason),
                *effects.tell_representative(partnership, say.ad_approved(partnership) if approve
                                             else say.ad_denied(partnership, reason)),
            ]  # fmt: skip
            if approve:
                edited = dataclasses.replace(partnership, advertisement=proposal.advertisement)
                items += effects.showcase_edit(edited, ledger.settings)
            return Change(new, items)

        await self._writer.run(guild_id, decide)
        log.info("guild %s: proposed ad %s %s", guild_id, proposal.id, "approved" if approve else "denied")
        return await self._partnerships.get(partnership.id)
