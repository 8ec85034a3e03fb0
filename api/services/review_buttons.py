"""Approve / Deny / Deny + blacklist buttons on a review post (reviewStyle BUTTONS).

The cluster defers each click ephemerally and forwards it with the member's roles and permissions;
only a manager's click decides (the same rule as reactions, `domain.reviewers.is_manager`), and the
clicker is always answered: what was done, or why nothing was.
"""

from __future__ import annotations

from dataclasses import dataclass

from bus import Envelope
from bus.contracts import ReviewButton, parse_as

from ..domain.enums import ApplicationStatus, PartnershipStatus
from ..domain.errors import RuleViolation
from ..domain.reviewers import is_manager
from ..store.applications import ApplicationRepository
from . import effects
from .applications import ApplicationService
from .writer import GuildWriter

NOT_A_MANAGER = "Only partnership managers can decide on applications; nothing was changed."
GONE = "This application no longer exists."


@dataclass(frozen=True, eq=False, slots=True)
class ReviewButtons:
    _writer: GuildWriter
    _apps: ApplicationRepository
    _decisions: ApplicationService

    async def handle(self, envelope: Envelope) -> None:
        data = parse_as(envelope, ReviewButton)
        guild_id = int(envelope.guild_id)

        async def answer(content: str) -> None:
            await self._writer.send_unjournaled([effects.followup(guild_id, data.reply, content)])  # changes no ledger

        app = await self._apps.get(data.application_id)
        if app is None or app.guild_id != guild_id:
            await answer(GONE)
            return
        ledger = await self._writer.load(guild_id)
        roles = {int(r) for r in data.member_role_ids}
        if not is_manager(data.is_owner, data.member_permissions, roles, ledger.settings.manager_role_ids):
            await answer(NOT_A_MANAGER)
            return
        if app.status is not ApplicationStatus.PENDING:
            await answer(f"This application was already decided ({app.status.value.lower()}).")
            return
        actor = int(data.user_id)
        try:
            if data.decision == "APPROVE":
                decision = await self._decisions.approve(app, actor)
                awaiting = (
                    decision.partnership is not None
                    and decision.partnership.status is PartnershipStatus.AWAITING_PARTNER
                )
                await answer(
                    f"Approved **{app.partner.name}**."
                    + (" The representative is asked to confirm." if awaiting else "")
                )
            else:
                await self._decisions.deny(app, actor, data.reason, blacklist=data.blacklist)
                done = "Denied and blacklisted" if data.blacklist else "Denied"
                await answer(f"{done} **{app.partner.name}**; the applicant is told the reason.")
        except RuleViolation as violation:  # e.g. the active limit: nothing changed, the clicker is told why
            await answer(f"Nothing was changed: {violation.message}")
