"""Mutations. Business-rule failures come back as `userErrors` and change nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

import strawberry

from ..domain import models
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

    @classmethod
    def of(cls, settings: models.GuildSettings) -> SettingsPayload:
        return cls(settings=PartnershipSettings.of(settings), user_errors=[])

    @classmethod
    def refused(cls, node: None, errors: list[UserError]) -> SettingsPayload:
        return cls(settings=node, user_errors=errors)


@strawberry.type
class PartnershipPayload:
    partnership: Partnership | None
    user_errors: list[UserError]

    @classmethod
    def of(cls, record: models.Partnership) -> PartnershipPayload:
        return cls(partnership=Partnership.of(record), user_errors=[])

    @classmethod
    def refused(cls, node: Partnership | None, errors: list[UserError]) -> PartnershipPayload:
        return cls(partnership=node, user_errors=errors)


@strawberry.type
class BlacklistPayload:
    entry: BlacklistEntry | None
    user_errors: list[UserError]

    @classmethod
    def of(cls, entry: models.BlacklistEntry | None) -> BlacklistPayload:
        return cls(entry=BlacklistEntry.of(entry) if entry else None, user_errors=[])

    @classmethod
    def refused(cls, node: None, errors: list[UserError]) -> BlacklistPayload:
        return cls(entry=node, user_errors=errors)


Payload = TypeVar("Payload", bound="_Payload")


class _Payload(Protocol):
    """What a mutation answers: the changed record's view (`of`), or the rule's refusal with the
    node as it was (`refused`; None when there is none)."""

    @classmethod
    def of(cls, record: Any) -> Any: ...

    @classmethod
    def refused(cls, node: Any, errors: list[UserError]) -> Any: ...


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


async def _edit_node(
    info: Info,
    global_id: str,
    kind: type[Application | Partnership],
    payload: type[Payload],
    change: Callable[[Any, int], Awaitable[Any]],
) -> Payload:
    """Every mutation of one application or partnership: the node the caller may edit (else
    NOT_FOUND), `change(record, actor)` by the service, and a rule's refusal as userErrors beside
    the node unchanged."""
    node = await _editable(info, global_id, kind)
    if node is None:
        return payload.refused(None, _not_found(kind.__name__.lower()))
    try:
        result = await change(node.record, info.context.principal().user_id)
    except RuleViolation as exc:
        return payload.refused(node, _errors(exc))
    return payload.of(result)


async def _edit_guild(
    info: Info, guild_id: int, payload: type[Payload], change: Callable[[int], Awaitable[Any]]
) -> Payload:
    """Every mutation that names a guild rather than a node (settings, blacklist, a partner staff
    add): partnerships.edit on it, `change(actor)` by the service, and a rule's refusal as userErrors."""
    actor = info.context.require_edit(guild_id).user_id
    try:
        result = await change(actor)
    except (RuleViolation, ValidationErrors) as exc:
        return payload.refused(None, _errors(exc))
    return payload.of(result)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="partnerships.edit.")
    async def update_partnership_settings(
        self, info: Info, guild_id: Snowflake, input: PartnershipSettingsInput
    ) -> SettingsPayload:
        settings = info.context.container.guild_settings
        return await _edit_guild(
            info, guild_id, SettingsPayload, lambda actor: settings.update(guild_id, input.patch(), actor)
        )

    @strawberry.mutation(
        description="partnerships.edit. Moves a PENDING application to APPROVED and creates an ACTIVE partnership, "
        "atomically within the active cap."
    )
    async def approve_application(self, info: Info, id: strawberry.ID) -> DecisionPayload:
        return await _edit_node(info, id, Application, DecisionPayload, info.context.container.applications.approve)

    @strawberry.mutation(
        description="partnerships.edit. blacklist=true also blacklists the partner server, so re-applications are auto-denied."
    )
    async def deny_application(
        self, info: Info, id: strawberry.ID, reason: str | None = None, blacklist: bool | None = False
    ) -> DecisionPayload:
        applications = info.context.container.applications
        return await _edit_node(
            info,
            id,
            Application,
            DecisionPayload,
            lambda app, actor: applications.deny(app, actor, reason, bool(blacklist)),
        )

    @strawberry.mutation(
        description="partnerships.edit. Manual mode: staff add a partner directly (ACTIVE, source MANUAL); "
        "same caps and blacklist apply."
    )
    async def create_partnership(self, info: Info, input: CreatePartnershipInput) -> PartnershipPayload:

        async def create(actor: int) -> models.Partnership:
            manual = ManualPartner.parse(
                guild_id=input.guild_id,
                partner_guild_id=input.partner_guild_id,
                partner_name=input.partner_name,
                invite_code=input.invite_code,
                representative_id=input.representative_id,
                advertisement=input.advertisement,
                member_count=input.member_count,
            )
            return await info.context.container.partnerships.create_manual(manual, actor)

        return await _edit_guild(info, input.guild_id, PartnershipPayload, create)

    @strawberry.mutation(description="partnerships.edit. Re-posts the ad; BUMP_TOO_SOON before nextBumpAt.")
    async def bump_partnership(self, info: Info, id: strawberry.ID) -> PartnershipPayload:
        return await _edit_node(info, id, Partnership, PartnershipPayload, info.context.container.partnerships.bump)

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
        partnerships = info.context.container.partnerships
        return await _edit_node(
            info, id, Partnership, PartnershipPayload, lambda record, actor: partnerships.end(record, reason, actor)
        )

    @strawberry.mutation(
        description="partnerships.edit. Changes an ACTIVE partnership in place: its showcase post is edited, not re-posted."
    )
    async def update_partnership(
        self, info: Info, id: strawberry.ID, input: UpdatePartnershipInput
    ) -> PartnershipPayload:

        async def update(record: models.Partnership, actor: int) -> models.Partnership:
            edit = PartnershipEdit.parse(
                advertisement=input.advertisement,
                partner_name=input.partner_name,
                invite_code=input.invite_code,
                representative_id=input.representative_id,
            )
            return await info.context.container.partnerships.update(record, edit, actor)

        return await _edit_node(info, id, Partnership, PartnershipPayload, update)

    @strawberry.mutation(
        description="partnerships.edit. CONFIRM flow: sends the representative the Continue / No thanks question "
        "again (e.g. after they opened their DMs); INVALID_STATE unless the partnership is AWAITING_PARTNER and "
        "its offer has not expired. The deadline stays as it was."
    )
    async def resend_confirmation(self, info: Info, id: strawberry.ID) -> PartnershipPayload:
        return await _edit_node(info, id, Partnership, PartnershipPayload, info.context.container.confirmations.resend)

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

        async def check(record: models.Partnership, actor: int) -> models.Partnership:
            if record.status is not PartnershipStatus.ACTIVE:
                raise RuleViolation(ErrorCode.INVALID_STATE, "Only an active partnership is checked.", ("id",))
            await info.context.container.health.check_now(record)
            return record  # the result shows once the bot has answered

        return await _edit_node(info, id, Partnership, PartnershipPayload, check)

    @strawberry.mutation(description="partnerships.edit.")
    async def blacklist_server(
        self, info: Info, guild_id: Snowflake, partner_guild_id: Snowflake, reason: str | None = None
    ) -> BlacklistPayload:
        blacklist = info.context.container.blacklist
        return await _edit_guild(
            info, guild_id, BlacklistPayload, lambda actor: blacklist.add(guild_id, partner_guild_id, reason, actor)
        )

    @strawberry.mutation(description="partnerships.edit.")
    async def unblacklist_server(
        self, info: Info, guild_id: Snowflake, partner_guild_id: Snowflake
    ) -> BlacklistPayload:
        blacklist = info.context.container.blacklist
        return await _edit_guild(
            info, guild_id, BlacklistPayload, lambda actor: blacklist.remove(guild_id, partner_guild_id, actor)
        )


async def _decide_proposed_ad(info: Info, id: strawberry.ID, approve: bool, reason: str | None) -> PartnershipPayload:
    proposals = info.context.container.ad_proposals
    return await _edit_node(
        info,
        id,
        Partnership,
        PartnershipPayload,
        lambda record, actor: proposals.decide(record, approve, actor, reason),
    )
