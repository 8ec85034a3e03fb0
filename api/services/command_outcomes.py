"""command.completed: what the cluster reports about each command, handled per command type.

A success updates the record the command acted for (one small handler per command type, in
`CommandOutcomes._handlers`); any failure is shown to staff: on the partnership the command was
for, else as a guild warning. To react to a new command type's result, add one handler there.

The record ids in `refs` are checked first, in one place (`_check_refs`): an event names one guild,
and may only touch that guild's records. An event whose refs point into another guild is refused
(`bus.Refused`: logged and dead-lettered, never applied) before any handler runs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bus import Envelope, Refused
from bus.contracts import CommandCompleted, CommandRefs, ReviewStatus, parse_as

from ..clock import utcnow
from ..domain import text
from ..domain.enums import ApplicationStatus
from ..domain.models import Problem, ReviewPost, ShowcasePlacement
from ..store.applications import ApplicationRepository
from ..store.partnerships import PartnershipRepository
from ..store.warnings import WarningRepository
from . import effects
from .health import HealthService, facts_from_result
from .partnerships import PartnershipService
from .writer import GuildWriter

log = logging.getLogger(__name__)

Handler = Callable[[Envelope, CommandCompleted], Awaitable[None]]


@dataclass(frozen=True, eq=False, slots=True)
class CommandOutcomes:
    _writer: GuildWriter
    _apps: ApplicationRepository
    _partnership_records: PartnershipRepository
    _partnerships: PartnershipService
    _warnings: WarningRepository
    _health: HealthService

    @property
    def _handlers(self) -> dict[str, Handler]:
        return {
            "review.post": self._review_posted,
            "showcase.post": self._showcase_posted,
            "invite.create": self._invite_created,
            "partner.check": self._partner_checked,
            "partnership.confirm.ask": self._confirm_asked,
        }

    async def handle(self, envelope: Envelope) -> None:
        data = parse_as(envelope, CommandCompleted)
        await self._check_refs(int(envelope.guild_id), data.refs)
        handler = self._handlers.get(data.command_type)
        if handler is not None:
            await handler(envelope, data)
        if not data.ok:
            await self._record_failure(int(envelope.guild_id), data)

    async def _check_refs(self, guild_id: int, refs: CommandRefs) -> None:
        """Refuses refs that name another guild's records (a record that no longer exists is fine:
        the handlers find nothing to update)."""
        owners = []
        if refs.application_id:
            app = await self._apps.get(refs.application_id)
            owners.append(("application", refs.application_id, app and app.guild_id))
        if refs.partnership_id:
            partnership = await self._partnership_records.get(refs.partnership_id)
            owners.append(("partnership", refs.partnership_id, partnership and partnership.guild_id))
        for kind, record_id, owner in owners:
            if owner is not None and owner != guild_id:
                log.error(
                    "guild %s: command.completed names %s %s of guild %s: refused", guild_id, kind, record_id, owner
                )
                raise Refused(f"{kind} {record_id} does not belong to guild {guild_id}")

    async def _review_posted(self, envelope: Envelope, data: CommandCompleted) -> None:
        if not (data.ok and data.refs.application_id):
            return
        application_id = data.refs.application_id
        post = ReviewPost(int(data.result["channel_id"]), int(data.result["message_id"]))
        if await self._partnership_records.set_proposal_review(application_id, post):
            return  # the post reviews a proposed ad (its id is the proposal's)
        await self._apps.set_review(application_id, post)
        app = await self._apps.get(application_id)
        if app is not None and app.status is not ApplicationStatus.PENDING:
            # Decided in the dashboard before the post landed: bring the post up to date now.
            status = ReviewStatus(app.status.value)  # APPROVED, DENIED or WITHDRAWN
            await self._writer.send_unjournaled(effects.review_update(app, status, app.decided_by, app.reason))

    async def _showcase_posted(self, envelope: Envelope, data: CommandCompleted) -> None:
        if not data.refs.partnership_id:
            return
        placement = None
        if data.ok:
            at = envelope.occurred_at
            placement = ShowcasePlacement(
                channel_id=_int(data.result.get("channel_id")),
                message_id=_int(data.result.get("message_id")),
                thread_id=_int(data.result.get("thread_id")),
                posted_at=at.replace(microsecond=at.microsecond // 1000 * 1000),  # BSON precision
            )
        await self._partnerships.showcase_result(data.refs.partnership_id, placement, data.error)

    async def _invite_created(self, envelope: Envelope, data: CommandCompleted) -> None:
        if data.ok and data.refs.partnership_id and data.result.get("code"):
            await self._partnerships.tracked_invite_created(data.refs.partnership_id, data.result["code"])

    async def _partner_checked(self, envelope: Envelope, data: CommandCompleted) -> None:
        # HealthService owns what a check finds, whoever asked (a scheduled check, checkPartnershipHealth,
        # a manual partner just created or its invite edited). A failed look-up (Discord refused) is no
        # fact about the partner: the next check asks again.
        if data.ok and data.refs.partnership_id:
            await self._health.facts_arrived(data.refs.partnership_id, facts_from_result(data.result))

    async def _confirm_asked(self, envelope: Envelope, data: CommandCompleted) -> None:
        # The offer DM reached them (a resend once they opened their DMs): `/ppartner status` and the
        # partnership's problems stop saying it could not.
        if data.ok and data.refs.partnership_id:
            await self._warnings.clear_partnership_action_problems(data.refs.partnership_id, data.command_type)

    async def _record_failure(self, guild_id: int, data: CommandCompleted) -> None:
        error = text.reported(data.error or "failed")
        log.warning("guild %s: %s failed: %s %s", guild_id, data.command_type, data.error_code, error)
        problem = Problem(data.command_type, text.reported(data.error_code or "FAILED", 64), error, utcnow())
        if data.refs.partnership_id:
            await self._warnings.add_partnership_problem(data.refs.partnership_id, problem)
        else:
            await self._warnings.set_guild_warning(
                guild_id, problem.code, f"{problem.action}: {problem.message}", problem.at
            )


def _int(value) -> int | None:
    return None if value in (None, "") else int(value)
