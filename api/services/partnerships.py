"""Partnerships: added by hand, bumped, ended; and what the cluster reports back about them."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import timedelta

from ..domain import ledger as rules
from ..domain import text
from ..domain.enums import ApplicationSource, ApplicationStatus, QueueEventType
from ..domain.errors import ErrorCode, RuleViolation
from ..domain.models import Application, PartnerServer, Partnership, ShowcasePlacement, partnership_from
from ..domain.records import (
    ApplicationRecorded,
    PartnershipEnded,
    PartnershipPlaced,
    PartnershipStarted,
    ShowcaseFailed,
)
from ..domain.snowflake import parse_snowflake
from ..store.partnerships import PartnershipRepository
from . import audit, effects, journal, notices
from .health import first_check_scheduled
from .ids import new_id
from .writer import Change, GuildWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ManualPartner:
    guild_id: int
    partner: PartnerServer
    representative_id: int
    advertisement: str

    @classmethod
    def parse(
        cls,
        *,
        guild_id: str | int,
        partner_guild_id: str | int,
        partner_name: str,
        invite_code: str,
        representative_id: str | int,
        advertisement: str,
        member_count: int | None = None,
    ) -> ManualPartner:
        """Validates the fields of `CreatePartnershipInput`; raises RuleViolation with the input path
        (the GraphQL names, which is what a dashboard shows the error against)."""
        if member_count is not None and not 0 <= member_count <= 50_000_000:
            raise RuleViolation(ErrorCode.VALIDATION, "memberCount is out of range.", ("input", "memberCount"))
        return cls(
            guild_id=parse_snowflake(guild_id, ("input", "guildId")),
            partner=PartnerServer(
                id=parse_snowflake(partner_guild_id, ("input", "partnerGuildId")),
                name=text.server_name(partner_name, ("input", "partnerName")),
                icon_url=None,
                member_count=member_count,
                invite_code=text.invite_code(invite_code, ("input", "inviteCode")),
            ),
            representative_id=parse_snowflake(representative_id, ("input", "representativeId")),
            advertisement=text.advertisement(advertisement, ("input", "advertisement")),
        )


class PartnershipService:
    def __init__(
        self, writer: GuildWriter, partnerships: PartnershipRepository, check_every: timedelta = timedelta(hours=24)
    ):
        self._check_every = check_every  # HEALTH_CHECK_HOURS: a new partnership's first check
        self._writer = writer
        self._partnerships = partnerships

    async def create_manual(self, manual: ManualPartner, actor: int | None) -> Partnership:
        app_id, partnership_id, guild_id = new_id(), new_id(), manual.guild_id

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            new = rules.create_manual(ledger, manual.partner.id, manual.representative_id, app_id, partnership_id, now)
            app = Application(
                id=app_id,
                guild_id=guild_id,
                partner=manual.partner,
                representative_id=manual.representative_id,
                advertisement=manual.advertisement,
                source=ApplicationSource.MANUAL,
                status=ApplicationStatus.APPROVED,
                submitted_at=now,
                decided_at=now,
                decided_by=actor,
                partnership_id=partnership_id,
            )
            partnership = partnership_from(app, partnership_id, now)
            items = [
                PartnershipStarted(partnership),  # before what refers to it
                ApplicationRecorded(app),
                journal.live(QueueEventType.PARTNERSHIP_CREATED, guild_id, new.version, now, app_id, partnership_id),
                audit.entry(
                    guild_id, now, actor, "partnership.create", partnership_id, None,
                    {"status": "ACTIVE", "partner_id": str(manual.partner.id), "partner_name": manual.partner.name},
                ),
                *effects.approval_effects(partnership, ledger.settings),
                first_check_scheduled(partnership, now, self._check_every),
            ]  # fmt: skip
            return Change(new, items)

        await self._writer.run(guild_id, decide)
        return await self._partnerships.get(partnership_id)

    async def bump(self, partnership: Partnership, actor: int | None = None) -> Partnership:
        def decide(ledger: rules.Ledger, now) -> Change[None]:
            new = rules.bump(ledger, partnership.id, now)
            items = [
                journal.live(
                    QueueEventType.PARTNERSHIP_BUMPED,
                    partnership.guild_id,
                    new.version,
                    now,
                    partnership_id=partnership.id,
                ),
                audit.entry(partnership.guild_id, now, actor, "partnership.bump", partnership.id),
                *effects.showcase_post(partnership, ledger.settings, replace=partnership.showcase),
            ]
            return Change(new, items)

        await self._writer.run(partnership.guild_id, decide)
        return await self._partnerships.get(partnership.id)

    async def end(self, partnership: Partnership, reason: str | None, actor: int | None = None) -> Partnership:
        reason = text.reason(reason)

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            new = rules.end(ledger, partnership.id)
            items = [
                PartnershipEnded(partnership.id, now, reason),
                journal.live(
                    QueueEventType.PARTNERSHIP_ENDED,
                    partnership.guild_id,
                    new.version,
                    now,
                    partnership_id=partnership.id,
                ),
                audit.entry(
                    partnership.guild_id,
                    now,
                    actor,
                    "partnership.end",
                    partnership.id,
                    {"status": "ACTIVE"},
                    {"status": "ENDED"},
                    reason,
                ),
                *effects.end_effects(partnership, ledger.settings),
                *effects.tell_representative(partnership, notices.partnership_ended(partnership, reason)),
            ]
            return Change(new, items)

        await self._writer.run(partnership.guild_id, decide)
        return await self._partnerships.get(partnership.id)

    async def showcase_result(
        self, partnership_id: str, placement: ShowcasePlacement | None, error: str | None
    ) -> None:
        """The cluster posted the ad (placement) or could not (error). Only a success starts the
        bump interval. A post that lands after the partnership ended is taken down again."""
        partnership = await self._partnerships.get(partnership_id)
        if partnership is None:
            return
        guild_id = partnership.guild_id

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            new = rules.showcase_result(ledger, partnership_id, placement.posted_at if placement else None)
            if new is None:  # no longer active
                if placement is not None:
                    late = dataclasses.replace(partnership, showcase=placement)
                    return Change(ledger.next_version(), effects.showcase_remove(late, ledger.settings))
                return Change(None)
            if placement is None:
                items = [ShowcaseFailed(partnership_id, error)]
            else:
                items = [
                    PartnershipPlaced(partnership_id, placement),
                    journal.live(
                        QueueEventType.SHOWCASE_POSTED, guild_id, new.version, now, partnership_id=partnership_id
                    ),
                ]
            return Change(new, items)

        await self._writer.run(guild_id, decide)

    async def tracked_invite_created(self, partnership_id: str, code: str) -> None:
        await self._partnerships.set_tracked_invite(partnership_id, code)
