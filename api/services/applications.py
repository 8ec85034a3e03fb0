"""Applications: a submission from Discord, and the staff decision on it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bus import Envelope
from bus.contracts import ReviewStatus, parse
from bus.contracts.common import ApplicationSource as WireSource

from ..domain import ledger as rules
from ..domain import text
from ..domain.enums import ApplicationStatus, PartnershipStatus, QueueEventType, source_from_wire
from ..domain.errors import ErrorCode, RuleViolation
from ..domain.models import Application, PartnerServer, Partnership, Submission, application_from, partnership_from
from ..domain.records import (
    ApplicationDecided,
    ApplicationRecorded,
    BlacklistAdded,
    ConfirmationDeadlineSet,
    MutualLinkJoined,
    PartnershipStarted,
)
from ..domain.snowflake import parse_snowflake
from ..store.applications import ApplicationRepository
from ..store.partnerships import PartnershipRepository
from ..store.processed import ProcessedEvents
from . import audit, effects, journal, notices
from .health import first_check_scheduled
from .ids import id_for_event, new_id
from .mutual import MutualService
from .reminders import stale_check_scheduled
from .writer import Change, GuildWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    application: Application
    partnership: Partnership | None = None


@dataclass(frozen=True, eq=False, slots=True)
class ApplicationService:
    _writer: GuildWriter
    _apps: ApplicationRepository
    _partnerships: PartnershipRepository
    _processed: ProcessedEvents
    _mutual: MutualService | None = None
    check_every: timedelta = timedelta(hours=24)  # HEALTH_CHECK_HOURS: a new partnership's first check

    # --- from Discord ---------------------------------------------------------------------------

    async def submit(self, envelope: Envelope) -> Application | None:
        """Handles `application.submitted`. Idempotent on the envelope id. Returns the recorded
        application, or None when it was refused (the applicant is told why)."""
        data = parse(envelope)
        guild_id = int(envelope.guild_id)
        app_id = id_for_event(envelope.id)
        await self._writer.settle(guild_id)  # finishes any journal a crash left, so the check below is exact
        if (done := await self._apps.get(app_id)) is not None or await self._processed.seen(envelope.id):
            return done
        reply = data.reply
        ticket = int(data.ticket_channel_id) if data.ticket_channel_id else None
        representative = int(data.representative_id)
        try:
            if data.source is WireSource.MUTUAL:  # only the API files these (api/services/mutual.py)
                raise RuleViolation(ErrorCode.VALIDATION, "This application source is not accepted.", ("source",))
            submission = Submission(
                guild_id=guild_id,
                partner=PartnerServer(
                    id=parse_snowflake(data.partner.id, ("partner", "id")),
                    name=text.server_name(data.partner.name, ("partner", "name")),
                    icon_url=data.partner.icon_url,
                    member_count=data.partner.member_count,
                    invite_code=text.invite_code(data.partner.invite_code, ("partner", "invite_code")),
                ),
                representative_id=representative,
                # The seed's DM command names only the partner's invite: its ad comes after approval.
                advertisement=text.advertisement(data.advertisement, required=data.source != WireSource.DM),
                source=source_from_wire(data.source),
                submitted_at=envelope.occurred_at,
            )
        except RuleViolation as violation:
            await self._refuse(envelope, guild_id, reply, representative, ticket, violation)
            return None

        def decide(ledger: rules.Ledger, now) -> Change[Application]:
            if app_id in ledger.pending:
                return Change(None)  # recorded by an earlier delivery of this event
            outcome = rules.submit(ledger, submission, app_id, now)
            denied = outcome.auto_denied
            status = ApplicationStatus.DENIED if denied else ApplicationStatus.PENDING
            reason = "blacklisted" if denied else None
            app = application_from(submission, app_id, now, status, reason=reason, ticket_thread_id=ticket)
            seq = outcome.ledger.version
            items = [
                ApplicationRecorded(app),
                journal.live(QueueEventType.APPLICATION_SUBMITTED, guild_id, seq, now, application_id=app_id),
            ]
            if denied:
                items.append(
                    journal.live(QueueEventType.APPLICATION_DENIED, guild_id, seq, now, application_id=app_id, part=1)
                )
                after = {"status": "DENIED", "partner_id": str(app.partner.id), "reason": "blacklisted"}
                items.append(
                    audit.entry(guild_id, now, None, "application.auto_deny", app_id, None, after, "blacklisted")
                )
                content = notices.auto_denied(app.partner)
            else:
                items += effects.review_post(app, ledger.settings)
                items += stale_check_scheduled(guild_id, now, ledger.settings)
                content = notices.queued(app.partner)
            items.append(effects.reply_to_submission(guild_id, reply, representative, ticket, content, closes=denied))
            return Change(outcome.ledger, items, app)

        try:
            change = await self._writer.run(guild_id, decide)
        except RuleViolation as violation:
            await self._refuse(envelope, guild_id, reply, representative, ticket, violation)
            return None
        return change.result or await self._apps.get(app_id)

    async def _refuse(self, envelope, guild_id, reply, representative, ticket, violation: RuleViolation) -> None:
        log.info("guild %s: application %s refused: %s", guild_id, envelope.id, violation.code)
        item = effects.reply_to_submission(guild_id, reply, representative, ticket, notices.refused(violation.message))
        await self._writer.send_unjournaled([item])  # the refusal changes no ledger (see there)
        await self._processed.mark(envelope.id)

    # --- staff decisions --------------------------------------------------------------------------

    async def approve(self, app: Application, actor: int | None) -> Decision:
        partnership_id = new_id()

        def decide(ledger: rules.Ledger, now) -> Change[Partnership]:
            new = rules.approve(ledger, app.id, partnership_id, now, app.source)
            awaiting_until = new.active[partnership_id].awaiting_until
            status = PartnershipStatus.ACTIVE if awaiting_until is None else PartnershipStatus.AWAITING_PARTNER
            partnership = partnership_from(app, partnership_id, now, status)
            decided = ApplicationDecided(app.id, ApplicationStatus.APPROVED, now, actor, partnership_id=partnership_id)
            items = [
                # The partnership first: a reader never sees an approved application pointing at nothing.
                PartnershipStarted(partnership),
                decided,
                journal.live(QueueEventType.APPLICATION_APPROVED, app.guild_id, new.version, now, app.id, partnership_id),
                journal.live(
                    QueueEventType.PARTNERSHIP_CREATED, app.guild_id, new.version, now, app.id, partnership_id, part=1
                ),
                audit.entry(
                    app.guild_id, now, actor, "application.approve", app.id, {"status": "PENDING"},
                    {"status": "APPROVED", "partnership_id": partnership_id},
                ),
                *effects.review_update(app, ReviewStatus.APPROVED, actor, None),
                *effects.on_approval(app, partnership, ledger.settings, awaiting_until),
                first_check_scheduled(partnership, now, self.check_every),
            ]  # fmt: skip
            if awaiting_until is not None:
                items.append(ConfirmationDeadlineSet(app.guild_id, partnership_id, awaiting_until))
            else:  # ACTIVE: our side of the pair's link, if the partner runs the bot (an offer: once confirmed)
                items.append(MutualLinkJoined(app.guild_id, app.partner.id, partnership_id, new.version))
            return Change(new, items, partnership)

        change = await self._writer.run(app.guild_id, decide)
        if self._mutual is not None:
            # The partner's NOT_RECIPROCATED closes. An offer awaiting the partner's answer is not
            # showcased yet (not linked): Continue does this (api/services/confirmations.py).
            await self._mutual.follow(change)
        return Decision(await self._apps.get(app.id), await self._partnerships.get(partnership_id))

    async def deny(self, app: Application, actor: int | None, reason: str | None, blacklist: bool) -> Decision:
        reason = text.reason(reason)

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            new = rules.deny(ledger, app.id, blacklist)
            items = [
                ApplicationDecided(app.id, ApplicationStatus.DENIED, now, actor, reason=reason),
                journal.live(QueueEventType.APPLICATION_DENIED, app.guild_id, new.version, now, application_id=app.id),
                audit.entry(
                    app.guild_id, now, actor, "application.deny", app.id, {"status": "PENDING"},
                    {"status": "DENIED", "blacklisted": blacklist}, reason,
                ),
                *effects.review_update(app, ReviewStatus.DENIED, actor, reason),
                *effects.tell_applicant(app, notices.denied(app, reason), app.ticket_thread_id),
            ]  # fmt: skip
            if new.blacklisted != ledger.blacklisted:
                items.append(BlacklistAdded(app.guild_id, app.partner.id, reason, actor, now, new.version))
            return Change(new, items)

        await self._writer.run(app.guild_id, decide)
        return Decision(await self._apps.get(app.id))

    async def visible(self, application_id: str) -> Application | None:
        return await self._apps.get(application_id)


def not_found(what: str = "application") -> RuleViolation:
    return RuleViolation(ErrorCode.NOT_FOUND, f"No such {what}.", ("id",))
