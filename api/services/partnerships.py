"""Partnerships: added by hand, bumped, ended; and what the cluster reports back about them."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import timedelta

from ..clock import utcnow
from ..domain import advertising, text
from ..domain import ledger as rules
from ..domain.enums import ApplicationSource, ApplicationStatus, PartnershipStatus, QueueEventType
from ..domain.errors import ErrorCode, RuleViolation
from ..domain.models import (
    PartnerServer,
    Partnership,
    ShowcasePlacement,
    Submission,
    application_from,
    partnership_from,
)
from ..domain.records import (
    ApplicationRecorded,
    MutualLinkJoined,
    PartnershipEdited,
    PartnershipPlaced,
    PartnershipStarted,
    ShowcaseFailed,
    TrackedInviteStored,
)
from ..domain.snowflake import parse_snowflake
from ..store.partnerships import PartnershipRepository
from ..store.warnings import WarningRepository
from . import audit, effects, endings, journal, notices
from .bump_reminders import bump_ready_scheduled
from .health import first_check_scheduled
from .ids import new_id
from .mutual import MutualService
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


@dataclass(frozen=True)
class PartnershipEdit:
    """The fields of `UpdatePartnershipInput` that were given (None: unchanged), validated."""

    advertisement: str | None = None
    partner_name: str | None = None
    invite_code: str | None = None
    representative_id: int | None = None

    @classmethod
    def parse(
        cls,
        *,
        advertisement: str | None = None,
        partner_name: str | None = None,
        invite_code: str | None = None,
        representative_id: str | int | None = None,
    ) -> PartnershipEdit:
        """Raises RuleViolation with the input path (GraphQL names) for the first bad field."""
        return cls(
            advertisement=None
            if advertisement is None
            else text.advertisement(advertisement, ("input", "advertisement")),
            partner_name=None if partner_name is None else text.server_name(partner_name, ("input", "partnerName")),
            invite_code=None if invite_code is None else text.invite_code(invite_code, ("input", "inviteCode")),
            representative_id=None
            if representative_id is None
            else parse_snowflake(representative_id, ("input", "representativeId")),
        )

    def applied_to(self, p: Partnership) -> Partnership:
        partner = dataclasses.replace(
            p.partner,
            name=self.partner_name if self.partner_name is not None else p.partner.name,
            invite_code=self.invite_code if self.invite_code is not None else p.partner.invite_code,
        )
        return dataclasses.replace(
            p,
            partner=partner,
            advertisement=self.advertisement if self.advertisement is not None else p.advertisement,
            representative_id=self.representative_id if self.representative_id is not None else p.representative_id,
        )


def _edited_fields(before: Partnership, after: Partnership) -> tuple[dict, dict]:
    """The audit log's before / after: only what changed."""
    fields = {
        "advertisement": lambda p: p.advertisement,
        "partner_name": lambda p: p.partner.name,
        "invite_code": lambda p: p.partner.invite_code,
        "representative_id": lambda p: str(p.representative_id),
    }
    changed = {k: f for k, f in fields.items() if f(before) != f(after)}
    return {k: f(before) for k, f in changed.items()}, {k: f(after) for k, f in changed.items()}


class PartnershipService:
    def __init__(
        self,
        writer: GuildWriter,
        partnerships: PartnershipRepository,
        warnings: WarningRepository,
        mutual: MutualService | None = None,
        check_every: timedelta = timedelta(hours=24),
    ):
        self._check_every = check_every  # HEALTH_CHECK_HOURS: a new partnership's first check
        self._writer = writer
        self._partnerships = partnerships
        self._warnings = warnings
        self._mutual = mutual

    async def create_manual(self, manual: ManualPartner, actor: int | None) -> Partnership:
        app_id, partnership_id, guild_id = new_id(), new_id(), manual.guild_id

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            new = rules.create_manual(ledger, manual.partner.id, manual.representative_id, app_id, partnership_id, now)
            submission = Submission(
                guild_id, manual.partner, manual.representative_id, manual.advertisement, ApplicationSource.MANUAL, now
            )
            app = application_from(
                submission, app_id, now, ApplicationStatus.APPROVED, decided_by=actor, partnership_id=partnership_id
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
                effects.partner_check(partnership),  # what staff typed is replaced by what Discord says
                first_check_scheduled(partnership, now, self._check_every),
                MutualLinkJoined(guild_id, manual.partner.id, partnership_id, new.version),
            ]  # fmt: skip
            return Change(new, items)

        change = await self._writer.run(guild_id, decide)
        if self._mutual is not None:
            await self._mutual.follow(change)
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
                *endings.partnership_ended(partnership, new, now, actor, reason),
                # An offer still awaiting the partner's answer has nothing posted and no role granted.
                *([] if partnership.id in ledger.awaiting_ids() else effects.end_effects(partnership, ledger.settings)),
                *effects.tell_representative(partnership, notices.partnership_ended(partnership, reason)),
            ]
            return Change(new, items)

        change = await self._writer.run(partnership.guild_id, decide)
        if self._mutual is not None:
            await self._mutual.follow(change)
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
                    *bump_ready_scheduled(guild_id, partnership_id, new),  # the representative's one DM
                ]
            return Change(new, items)

        await self._writer.run(guild_id, decide)

    async def update(self, partnership: Partnership, edit: PartnershipEdit, actor: int | None) -> Partnership:
        """updatePartnership: the showcase post is edited in place; a new representative gets the
        contact role and the old one loses it, and both are told; audit-logged; PARTNERSHIP_UPDATED."""
        updated = edit.applied_to(partnership)
        before, after = _edited_fields(partnership, updated)
        guild_id = partnership.guild_id
        if not after:  # nothing changes: still refuse what may not be edited

            def check(ledger: rules.Ledger, now) -> Change[None]:
                rules.edit(ledger, partnership.id, partnership.representative_id)
                return Change(None)

            await self._writer.run(guild_id, check)
            return partnership
        old_rep, new_rep = partnership.representative_id, updated.representative_id

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            new = rules.edit(ledger, partnership.id, new_rep)
            s = ledger.settings
            items = [
                PartnershipEdited(partnership.id, updated.partner, updated.advertisement, new_rep),
                journal.live(
                    QueueEventType.PARTNERSHIP_UPDATED, guild_id, new.version, now, partnership_id=partnership.id
                ),
                audit.entry(guild_id, now, actor, "partnership.update", partnership.id, before, after),
            ]
            if {"advertisement", "partner_name", "invite_code"} & after.keys():
                items += effects.showcase_edit(updated, s)
            if "invite_code" in after:
                items.append(effects.partner_check(updated))  # a new invite must lead to the same server
            if new_rep != old_rep:
                items += [
                    *effects.contact_role_revoke(partnership, s),
                    *effects.contact_role_grant(guild_id, new_rep, s, partnership.id),
                    effects.tell(updated, old_rep, notices.representative_no_longer(updated.partner.name)),
                    effects.tell(updated, new_rep, notices.representative_now(updated.partner.name)),
                ]
                if updated.tracked_invite_code and s.advertisement:  # the new representative needs our ad too
                    items += effects.our_advertisement(updated, s, updated.tracked_invite_code, replaced=False)
            else:
                items.append(effects.tell(updated, new_rep, notices.partnership_edited(updated.partner.name)))
            return Change(new, items)

        await self._writer.run(guild_id, decide)
        return await self._partnerships.get(partnership.id)

    async def tracked_invite_created(self, partnership_id: str, code: str) -> None:
        """invite.create completed: the invite is stored, then our advertisement carrying it is sent to
        the representative. Why here and not in the cluster: the invite is stored before anything is
        sent, a closed DM cannot lose the invite or make the cluster create a second one on retry, and
        an invite made again after ours was deleted takes the same path."""
        partnership = await self._partnerships.get(partnership_id)
        if partnership is None or partnership.tracked_invite_code == code:
            return  # unknown, or a redelivered completion: stored and sent already
        replaced = partnership.tracked_invite_code is not None

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            items: list = [TrackedInviteStored(partnership_id, code)]
            # Only once the partnership is ACTIVE: an offer awaiting the partner's answer (CONFIRM) gets
            # our ad when the representative says Continue (`Confirmations.confirm` sends it then).
            if ledger.is_active(partnership_id):
                items += effects.our_advertisement(partnership, ledger.settings, code, replaced)
            return Change(ledger.next_version(), items)

        change = await self._writer.run(partnership.guild_id, decide)
        await self._warnings.clear_partnership_problem(partnership_id, advertising.TRACKED_INVITE_DELETED)
        if (
            self._mutual is not None
            and not replaced
            and change.ledger is not None
            and change.ledger.is_active(partnership_id)
        ):
            # The reverse request carries this invite in our ad, so it is filed only now.
            await self._mutual.offer(partnership, code)

    async def tracked_invite_deleted(self, guild_id: int, code: str) -> None:
        """An invite of the guild was deleted in Discord: when it was an active partnership's tracked
        invite, a new one is made (see `remake_tracked_invite`)."""
        partnership = await self._partnerships.by_invite_code(guild_id, code)
        if partnership is None or partnership.status is not PartnershipStatus.ACTIVE:
            return
        if partnership.tracked_invite_code == code:
            await self.remake_tracked_invite(partnership)

    async def remake_tracked_invite(self, partnership: Partnership) -> None:
        """Our tracked invite for this partner is gone (INVITE_DELETE, or found missing by a check):
        TRACKED_INVITE_DELETED shows on the partnership until a new invite is stored and sent to the
        representative (`tracked_invite_created`). Once per deletion: an open problem means a new invite
        is already on its way."""
        if advertising.tracked_invite_deleted_since(partnership) is not None:
            return

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            if partnership.id not in ledger.active:
                return Change(None)
            return Change(ledger.next_version(), [effects.tracked_invite_create(partnership)])

        change = await self._writer.run(partnership.guild_id, decide)
        if change.ledger is not None:
            # After the command is journaled: a crash in between makes a second invite, never none.
            problem = advertising.tracked_invite_deleted(partnership.tracked_invite_code or "", utcnow())
            await self._warnings.add_partnership_problem(partnership.id, problem)
