"""Mutations. Business-rule failures come back as `userErrors` and change nothing."""

from __future__ import annotations

from typing import Any

import strawberry

from ..domain.enums import PartnershipStatus
from ..domain.errors import ErrorCode, RuleViolation, ValidationErrors
from ..services.partnerships import ManualPartner, PartnershipEdit
from .bulk_decisions import DecisionPayload, decide_applications
from .context import Info
from .queries import visible_node
from .scalars import Snowflake
from .types import (
    Application,
    ApplicationMode,
    ApprovalFlow,
    BlacklistEntry,
    ChannelMode,
    Partnership,
    PartnershipSettings,
    ReviewStyle,
    UserError,
)


@strawberry.input
class PartnershipSettingsInput:
    application_mode: ApplicationMode | None = strawberry.UNSET
    channel_mode: ChannelMode | None = strawberry.UNSET
    showcase_channel_id: Snowflake | None = strawberry.UNSET
    showcase_category_id: Snowflake | None = strawberry.UNSET
    showcase_forum_id: Snowflake | None = strawberry.UNSET
    review_channel_id: Snowflake | None = strawberry.UNSET
    review_ping_role_id: Snowflake | None = strawberry.UNSET
    ticket_channel_id: Snowflake | None = strawberry.UNSET
    manager_role_ids: list[Snowflake] | None = strawberry.UNSET
    viewer_role_ids: list[Snowflake] | None = strawberry.UNSET
    partner_contact_role_id: Snowflake | None = strawberry.UNSET
    min_partner_member_count: int | None = strawberry.UNSET
    application_cooldown_hours: int | None = strawberry.UNSET
    max_active: int | None = strawberry.UNSET
    bump_interval_days: int | None = strawberry.UNSET
    track_joins: bool | None = strawberry.UNSET
    advertisement: str | None = strawberry.UNSET
    approval_flow: ApprovalFlow | None = strawberry.UNSET
    review_style: ReviewStyle | None = strawberry.UNSET
    confirm_hours: int | None = strawberry.UNSET
    log_channel_id: Snowflake | None = strawberry.UNSET
    health_checks: bool | None = strawberry.UNSET
    health_grace_hours: int | None = strawberry.UNSET
    auto_end_unhealthy: bool | None = strawberry.UNSET
    stale_queue_hours: int | None = strawberry.UNSET
    mutual_partnerships: bool | None = strawberry.UNSET
    fake_join_seconds: int | None = strawberry.UNSET
    min_account_age_days: int | None = strawberry.UNSET

    def patch(self) -> dict[str, Any]:
        """Only the fields the client sent; null clears a nullable setting."""
        return {name: value for name, value in vars(self).items() if value is not strawberry.UNSET}


@strawberry.input
class CreatePartnershipInput:
    guild_id: Snowflake
    partner_guild_id: Snowflake
    partner_name: str
    invite_code: str
    representative_id: Snowflake
    advertisement: str
    member_count: int | None = None


@strawberry.input(
    description="Only the fields given change. representativeId: the contact role moves to the new representative."
)
class UpdatePartnershipInput:
    advertisement: str | None = None
    partner_name: str | None = None
    invite_code: str | None = None
    representative_id: Snowflake | None = None


@strawberry.type
class SettingsPayload:
    settings: PartnershipSettings | None
    user_errors: list[UserError]


@strawberry.type
class PartnershipPayload:
    partnership: Partnership | None
    user_errors: list[UserError]


@strawberry.type
class BlacklistPayload:
    entry: BlacklistEntry | None
    user_errors: list[UserError]


def _errors(exc: RuleViolation | ValidationErrors) -> list[UserError]:
    violations = exc.violations if isinstance(exc, ValidationErrors) else [exc]
    return [UserError.of(v) for v in violations]


def _not_found(what: str) -> list[UserError]:
    return [UserError.of(RuleViolation(ErrorCode.NOT_FOUND, f"No such {what}.", ("id",)))]


async def _editable(info: Info, global_id: str, kind: type) -> Any:
    """The node if it exists, is a `kind` and the caller can see it (else None: absent); FORBIDDEN
    when the caller can see it but not edit it."""
    node = await visible_node(info, global_id)
    if not isinstance(node, kind):
        return None
    info.context.require_edit(node.record.guild_id)
    return node


@strawberry.type
class Mutation:
    @strawberry.mutation(description="partnerships.edit.")
    async def update_partnership_settings(
        self, info: Info, guild_id: Snowflake, input: PartnershipSettingsInput
    ) -> SettingsPayload:
        actor = info.context.require_edit(guild_id).user_id
        try:
            settings = await info.context.container.guild_settings.update(guild_id, input.patch(), actor)
        except (RuleViolation, ValidationErrors) as exc:
            return SettingsPayload(settings=None, user_errors=_errors(exc))
        return SettingsPayload(settings=PartnershipSettings.of(settings), user_errors=[])

    @strawberry.mutation(
        description="partnerships.edit. Moves a PENDING application to APPROVED and creates an ACTIVE partnership, "
        "atomically within the active cap."
    )
    async def approve_application(self, info: Info, id: strawberry.ID) -> DecisionPayload:
        node = await _editable(info, id, Application)
        if node is None:
            return DecisionPayload(application=None, partnership=None, user_errors=_not_found("application"))
        actor = info.context.principal().user_id
        try:
            decision = await info.context.container.applications.approve(node.record, actor)
        except RuleViolation as exc:
            return DecisionPayload(application=node, partnership=None, user_errors=_errors(exc))
        return DecisionPayload(
            application=Application.of(decision.application),
            partnership=Partnership.of(decision.partnership) if decision.partnership else None,
            user_errors=[],
        )

    @strawberry.mutation(
        description="partnerships.edit. blacklist=true also blacklists the partner server, so re-applications are auto-denied."
    )
    async def deny_application(
        self, info: Info, id: strawberry.ID, reason: str | None = None, blacklist: bool | None = False
    ) -> DecisionPayload:
        node = await _editable(info, id, Application)
        if node is None:
            return DecisionPayload(application=None, partnership=None, user_errors=_not_found("application"))
        actor = info.context.principal().user_id
        try:
            decision = await info.context.container.applications.deny(node.record, actor, reason, bool(blacklist))
        except RuleViolation as exc:
            return DecisionPayload(application=node, partnership=None, user_errors=_errors(exc))
        return DecisionPayload(application=Application.of(decision.application), partnership=None, user_errors=[])

    @strawberry.mutation(
        description="partnerships.edit. Manual mode: staff add a partner directly (ACTIVE, source MANUAL); "
        "same caps and blacklist apply."
    )
    async def create_partnership(self, info: Info, input: CreatePartnershipInput) -> PartnershipPayload:
        info.context.require_edit(input.guild_id)
        try:
            manual = ManualPartner.parse(
                guild_id=input.guild_id,
                partner_guild_id=input.partner_guild_id,
                partner_name=input.partner_name,
                invite_code=input.invite_code,
                representative_id=input.representative_id,
                advertisement=input.advertisement,
                member_count=input.member_count,
            )
            record = await info.context.container.partnerships.create_manual(manual, info.context.principal().user_id)
        except RuleViolation as exc:
            return PartnershipPayload(partnership=None, user_errors=_errors(exc))
        return PartnershipPayload(partnership=Partnership.of(record), user_errors=[])

    @strawberry.mutation(description="partnerships.edit. Re-posts the ad; BUMP_TOO_SOON before nextBumpAt.")
    async def bump_partnership(self, info: Info, id: strawberry.ID) -> PartnershipPayload:
        node = await _editable(info, id, Partnership)
        if node is None:
            return PartnershipPayload(partnership=None, user_errors=_not_found("partnership"))
        try:
            record = await info.context.container.partnerships.bump(node.record, info.context.principal().user_id)
        except RuleViolation as exc:
            return PartnershipPayload(partnership=node, user_errors=_errors(exc))
        return PartnershipPayload(partnership=Partnership.of(record), user_errors=[])

    @strawberry.mutation(
        description="partnerships.edit. Approves the partnership's proposedAdvertisement: it becomes the ad and the "
        "showcase post is edited in place. INVALID_STATE when none is waiting."
    )
    async def approve_proposed_advertisement(self, info: Info, id: strawberry.ID) -> PartnershipPayload:
        return await _decide_proposed_ad(info, id, approve=True, reason=None)

    @strawberry.mutation(
        description="partnerships.edit. Denies the partnership's proposedAdvertisement; the representative is told "
        "why by DM and the current ad stays."
    )
    async def deny_proposed_advertisement(
        self, info: Info, id: strawberry.ID, reason: str | None = None
    ) -> PartnershipPayload:
        return await _decide_proposed_ad(info, id, approve=False, reason=reason)

    @strawberry.mutation(description="partnerships.edit.")
    async def end_partnership(self, info: Info, id: strawberry.ID, reason: str | None = None) -> PartnershipPayload:
        node = await _editable(info, id, Partnership)
        if node is None:
            return PartnershipPayload(partnership=None, user_errors=_not_found("partnership"))
        try:
            record = await info.context.container.partnerships.end(
                node.record, reason, info.context.principal().user_id
            )
        except RuleViolation as exc:
            return PartnershipPayload(partnership=node, user_errors=_errors(exc))
        return PartnershipPayload(partnership=Partnership.of(record), user_errors=[])

    @strawberry.mutation(
        description="partnerships.edit. Changes an ACTIVE partnership in place: its showcase post is edited, not re-posted."
    )
    async def update_partnership(
        self, info: Info, id: strawberry.ID, input: UpdatePartnershipInput
    ) -> PartnershipPayload:
        node = await _editable(info, id, Partnership)
        if node is None:
            return PartnershipPayload(partnership=None, user_errors=_not_found("partnership"))
        try:
            edit = PartnershipEdit.parse(
                advertisement=input.advertisement,
                partner_name=input.partner_name,
                invite_code=input.invite_code,
                representative_id=input.representative_id,
            )
            record = await info.context.container.partnerships.update(
                node.record, edit, info.context.principal().user_id
            )
        except RuleViolation as exc:
            return PartnershipPayload(partnership=node, user_errors=_errors(exc))
        return PartnershipPayload(partnership=Partnership.of(record), user_errors=[])

    @strawberry.mutation(
        description="partnerships.edit. CONFIRM flow: sends the representative the Continue / No thanks question "
        "again (e.g. after they opened their DMs); INVALID_STATE unless the partnership is AWAITING_PARTNER and "
        "its offer has not expired. The deadline stays as it was."
    )
    async def resend_confirmation(self, info: Info, id: strawberry.ID) -> PartnershipPayload:
        node = await _editable(info, id, Partnership)
        if node is None:
            return PartnershipPayload(partnership=None, user_errors=_not_found("partnership"))
        try:
            record = await info.context.container.confirmations.resend(node.record, info.context.principal().user_id)
        except RuleViolation as exc:
            return PartnershipPayload(partnership=node, user_errors=_errors(exc))
        return PartnershipPayload(partnership=Partnership.of(record), user_errors=[])

    decide_applications = strawberry.mutation(
        resolver=decide_applications,
        description="partnerships.edit. Decides up to 100 PENDING applications of one guild at once, each exactly "
        "as approveApplication / denyApplication would (caps hold exactly). Counts as one mutation for the rate limit.",
    )

    @strawberry.mutation(
        description="partnerships.edit. Runs the partnership's health check now; the result shows in health once "
        "the bot has answered."
    )
    async def check_partnership_health(self, info: Info, id: strawberry.ID) -> PartnershipPayload:
        node = await _editable(info, id, Partnership)
        if node is None:
            return PartnershipPayload(partnership=None, user_errors=_not_found("partnership"))
        if node.record.status is not PartnershipStatus.ACTIVE:
            error = RuleViolation(ErrorCode.INVALID_STATE, "Only an active partnership is checked.", ("id",))
            return PartnershipPayload(partnership=node, user_errors=_errors(error))
        await info.context.container.health.check_now(node.record)
        return PartnershipPayload(partnership=node, user_errors=[])

    @strawberry.mutation(description="partnerships.edit.")
    async def blacklist_server(
        self, info: Info, guild_id: Snowflake, partner_guild_id: Snowflake, reason: str | None = None
    ) -> BlacklistPayload:
        actor = info.context.require_edit(guild_id).user_id
        try:
            entry = await info.context.container.blacklist.add(guild_id, partner_guild_id, reason, actor)
        except RuleViolation as exc:
            return BlacklistPayload(entry=None, user_errors=_errors(exc))
        return BlacklistPayload(entry=BlacklistEntry.of(entry) if entry else None, user_errors=[])

    @strawberry.mutation(description="partnerships.edit.")
    async def unblacklist_server(
        self, info: Info, guild_id: Snowflake, partner_guild_id: Snowflake
    ) -> BlacklistPayload:
        actor = info.context.require_edit(guild_id).user_id
        try:
            entry = await info.context.container.blacklist.remove(guild_id, partner_guild_id, actor)
        except RuleViolation as exc:
            return BlacklistPayload(entry=None, user_errors=_errors(exc))
        return BlacklistPayload(entry=BlacklistEntry.of(entry) if entry else None, user_errors=[])


async def _decide_proposed_ad(info: Info, id: strawberry.ID, approve: bool, reason: str | None) -> PartnershipPayload:
    node = await _editable(info, id, Partnership)
    if node is None:
        return PartnershipPayload(partnership=None, user_errors=_not_found("partnership"))
    try:
        record = await info.context.container.ad_proposals.decide(
            node.record, approve, info.context.principal().user_id, reason
        )
    except RuleViolation as exc:
        return PartnershipPayload(partnership=node, user_errors=_errors(exc))
    return PartnershipPayload(partnership=Partnership.of(record), user_errors=[])
