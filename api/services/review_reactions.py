"""👍 / 👎 on a review post: a manager's reaction decides; anyone else's is removed and ignored."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bus import Envelope, Refused
from bus.contracts import ReviewReaction, ReviewReactionRemove, parse_as

from ..clock import utcnow
from ..domain.enums import ApplicationStatus
from ..domain.errors import RuleViolation
from ..domain.reviewers import is_manager
from ..store.applications import ApplicationRepository
from ..store.partnerships import PartnershipRepository
from ..store.warnings import WarningRepository
from .ad_proposals import AdProposals
from .applications import ApplicationService
from .journal import Outgoing, command
from .writer import GuildWriter

log = logging.getLogger(__name__)

APPROVE = "👍"


@dataclass(frozen=True, eq=False, slots=True)
class ReviewReactions:
    _writer: GuildWriter
    _apps: ApplicationRepository
    _warnings: WarningRepository
    _decisions: ApplicationService
    _partnerships: PartnershipRepository
    _ad_proposals: AdProposals

    async def handle(self, envelope: Envelope) -> None:
        data = parse_as(envelope, ReviewReaction)
        guild_id = int(envelope.guild_id)
        app = await self._apps.by_review_message(int(data.message_id))
        if app is None:
            await self._on_proposal(envelope, data, guild_id)
            return
        remove = await self._from_manager(data, guild_id, app.guild_id)
        if remove is None:
            return
        if app.status is not ApplicationStatus.PENDING:
            return  # already decided (e.g. in the dashboard); the review post says so
        actor = int(data.user_id)
        try:
            if data.emoji == APPROVE:
                await self._decisions.approve(app, actor)
            else:
                # The applicant is told the reason; a reaction has no form, so it names who decided.
                reason = f"denied in Discord by {data.user_name or actor}"
                await self._decisions.deny(app, actor, reason, blacklist=False)
        except RuleViolation as violation:
            # e.g. the active limit: the reaction is taken back and staff see why on the dashboard.
            await self._warnings.set_guild_warning(guild_id, "REVIEW_DECISION_REFUSED", violation.message, utcnow())
            await self._writer.send_unjournaled([remove])

    async def _on_proposal(self, envelope: Envelope, data: ReviewReaction, guild_id: int) -> None:
        """A reaction on the review post of a proposed ad: decided like an application."""
        partnership = await self._partnerships.by_proposal_review_message(int(data.message_id))
        if partnership is None or partnership.proposed_ad is None:
            return
        if await self._from_manager(data, guild_id, partnership.guild_id) is None:
            return
        try:
            await self._ad_proposals.decide(partnership, data.emoji == APPROVE, int(data.user_id))
        except RuleViolation:
            return  # decided meanwhile (e.g. in the dashboard); the review post says so

    async def _from_manager(self, data: ReviewReaction, guild_id: int, owner: int) -> Outgoing | None:
        """Whether the reaction may decide: the post must be this guild's (else refused) and a manager
        must have reacted. Returns the command taking the reaction back (a refused decision sends it);
        None when someone else reacted: their reaction is taken back now and ignored."""
        if owner != guild_id:
            _refuse(guild_id, data.message_id, owner)
        ledger = await self._writer.load(guild_id)
        body = ReviewReactionRemove(
            channel_id=data.channel_id, message_id=data.message_id, user_id=data.user_id, emoji=data.emoji
        )
        remove = command(guild_id, body)
        roles = {int(r) for r in data.member_role_ids}
        if is_manager(data.is_owner, data.member_permissions, roles, ledger.settings.manager_role_ids):
            return remove
        await self._writer.send_unjournaled([remove])  # changes no ledger (see there)
        return None


def _refuse(guild_id: int, message_id: str, owner: int) -> None:
    """A reaction event names one guild; a review post of another guild is never decided from it."""
    log.error("guild %s: a reaction names review post %s of guild %s: refused", guild_id, message_id, owner)
    raise Refused(f"review post {message_id} does not belong to guild {guild_id}")
