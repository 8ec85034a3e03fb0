"""The object types of the contract, each a thin view over a domain record."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from ..clock import utcnow
from ..domain import enums, models
from ..domain import health as health_rules
from ..domain.errors import ErrorCode, RuleViolation
from .context import Info
from .ids import to_global_id
from .join_series import DailyJoins, join_series
from .loaders import field_of
from .scalars import Snowflake
from .views import view_of

ApplicationMode = strawberry.enum(enums.ApplicationMode)
ChannelMode = strawberry.enum(enums.ChannelMode)
ApprovalFlow = strawberry.enum(enums.ApprovalFlow)
ReviewStyle = strawberry.enum(enums.ReviewStyle)
ApplicationSource = strawberry.enum(
    enums.ApplicationSource,
    description="Where an application came from. DM is the `$partnership <invite>` direct-message command.\n"
    "MUTUAL is the reverse request of a mutual partnership, filed by the bot for a partner server\n"
    "that also runs it (see Partnership.reciprocity).",
)
Reciprocity = strawberry.enum(enums.Reciprocity)
ApplicationStatus = strawberry.enum(enums.ApplicationStatus)
PartnershipStatus = strawberry.enum(enums.PartnershipStatus)
QueueEventType = strawberry.enum(enums.QueueEventType)
HealthStatus = strawberry.enum(
    enums.HealthStatus,
    description="OK; AT_RISK: a problem is open, inside its grace period; FAILING: a problem outlasted healthGraceHours.",
)
HealthIssue = strawberry.enum(
    enums.HealthIssue,
    description=(
        "PARTNER_INVITE_INVALID: the partner's invite no longer resolves; PARTNER_SERVER_GONE: it leads to another "
        "server, or the server is gone; BELOW_MIN_MEMBERS: fewer members than minPartnerMemberCount; "
        "TRACKED_INVITE_DELETED: our tracked invite was deleted; NOT_RECIPROCATED: the partner runs this bot and no "
        "longer showcases our advertisement."
    ),
)
UserErrorCode = strawberry.enum(ErrorCode, name="UserErrorCode")


@strawberry.enum
class SortOrder(Enum):
    OLDEST_FIRST = "OLDEST_FIRST"
    NEWEST_FIRST = "NEWEST_FIRST"


@strawberry.type(
    description="A business-rule failure. Authentication and permission failures are GraphQL errors with "
    "extensions.code UNAUTHENTICATED or FORBIDDEN instead."
)
class UserError:
    code: UserErrorCode
    message: str
    field: list[str] | None = strawberry.field(
        default=None, description="Path to the offending input field, when there is one."
    )

    @classmethod
    def of(cls, violation: RuleViolation) -> UserError:
        return cls(
            code=violation.code, message=violation.message, field=list(violation.field) if violation.field else None
        )


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class PartnerServer:
    id: Snowflake
    name: str
    icon_url: str | None
    member_count: int | None = strawberry.field(
        description="Approximate member count when last resolved from the partner's invite."
    )
    invite_code: str = strawberry.field(
        description="The partner server's own invite code (what the applicant submitted)."
    )

    @classmethod
    def of(cls, p: models.PartnerServer) -> PartnerServer:
        return view_of(cls, p)


@strawberry.type
class PartnershipSettings:
    application_mode: ApplicationMode
    channel_mode: ChannelMode
    showcase_channel_id: Snowflake | None = strawberry.field(
        description="SINGLE_CHANNEL: the channel that holds every approved partner's ad."
    )
    showcase_category_id: Snowflake | None = strawberry.field(
        description="CHANNEL_PER_PARTNER: the category under which each partner's channel is created."
    )
    showcase_forum_id: Snowflake | None = strawberry.field(
        description="FORUM_PER_PARTNER: the forum channel in which each partner gets a thread."
    )
    review_channel_id: Snowflake | None = strawberry.field(
        description="Where new requests are posted for staff, with reactions to accept or deny."
    )
    review_ping_role_id: Snowflake | None = strawberry.field(
        description="Role pinged when a new request is posted (the partnership team)."
    )
    ticket_channel_id: Snowflake | None = strawberry.field(
        description="TICKET mode: channel under which private application tickets (threads) are opened."
    )
    manager_role_ids: list[Snowflake] = strawberry.field(
        description="Holders may approve/deny and manage partnerships (partnerships.edit)."
    )
    viewer_role_ids: list[Snowflake] = strawberry.field(
        description="Holders may see applications and partners (partnerships.view)."
    )
    partner_contact_role_id: Snowflake | None = strawberry.field(
        description="Granted to a partner's representative while the partnership is active."
    )
    min_partner_member_count: int = strawberry.field(description="0 = no minimum.")
    application_cooldown_hours: int = strawberry.field(
        description="Same applicant (user or partner server) may re-apply only after this many hours. Default 24."
    )
    max_active: int = strawberry.field(
        description="0 = unlimited (the hard limit of 100 active partnerships still applies)."
    )
    bump_interval_days: int = strawberry.field(description="Partners may re-post their ad after this many days.")
    track_joins: bool = strawberry.field(description="Attribute members who join through a partner's tracked invite.")
    advertisement: str | None = strawberry.field(
        description="This server's own advertisement, sent to a partner's representative on approval with their "
        "tracked invite: {invite} in the text is replaced by the invite's URL; without it, the URL is put on a line "
        "of its own under the ad."
    )
    approval_flow: ApprovalFlow = strawberry.field(description="Default DIRECT.")
    review_style: ReviewStyle = strawberry.field(description="Default REACTIONS.")
    confirm_hours: int = strawberry.field(
        description="CONFIRM flow: hours the representative has to answer. Default 72, 1..720."
    )
    log_channel_id: Snowflake | None = strawberry.field(
        description="Where the bot tells staff about health problems, stale queues and partners' answers. Null: the review channel."
    )
    health_checks: bool = strawberry.field(
        description="Check partners regularly: their invite, their server, their member count, our tracked invite. Default true."
    )
    health_grace_hours: int = strawberry.field(
        description="Hours a health problem may last before it counts as FAILING (and, with autoEndUnhealthy, ends the partnership). Default 72, 0..720."
    )
    auto_end_unhealthy: bool = strawberry.field(
        description="End a partnership automatically once a health problem outlasts healthGraceHours. Default false."
    )
    stale_queue_hours: int = strawberry.field(
        description="Remind staff (log channel) when applications have waited longer than this many hours; 0 = off. Default 48."
    )
    mutual_partnerships: bool = strawberry.field(
        description="When a partner server also runs this bot, offer it the reverse partnership (a MUTUAL application in its queue). Default true."
    )
    fake_join_seconds: int = strawberry.field(
        description="An attributed member who leaves within this many seconds of joining counts as fake. "
        "Default 600, 0..604800."
    )
    min_account_age_days: int = strawberry.field(
        description="Members whose Discord account is younger than this many days count as fake joins; 0 = off. "
        "Default 0, 0..365."
    )

    @classmethod
    def of(cls, s: models.GuildSettings) -> PartnershipSettings:
        return view_of(cls, s, manager_role_ids=list(s.manager_role_ids), viewer_role_ids=list(s.viewer_role_ids))


@strawberry.type
class Limits:
    active_count: int
    active_max: int = strawberry.field(description="min(maxActive setting, 100); 100 when maxActive is 0.")
    pending_count: int
    pending_max: int
    blacklist_count: int
    blacklist_max: int


@strawberry.type
class Application(Node):
    id: strawberry.ID
    guild_id: Snowflake
    partner: PartnerServer
    representative_id: Snowflake
    advertisement: str
    source: ApplicationSource
    status: ApplicationStatus
    submitted_at: datetime
    decided_at: datetime | None
    decided_by: Snowflake | None = strawberry.field(
        description="Null when the decision was automatic (e.g. blacklisted re-application)."
    )
    reason: str | None
    record: strawberry.Private[models.Application]

    @classmethod
    def of(cls, r: models.Application) -> Application:
        global_id = strawberry.ID(to_global_id("Application", r.id))
        return view_of(cls, r, id=global_id, partner=PartnerServer.of(r.partner), record=r)

    @strawberry.field(
        description="The representative's Discord display name and avatar, as the bot saw them; null when unknown."
    )
    async def representative_name(self, info: Info) -> str | None:
        return await field_of(info.context.loaders.person, self.record.representative_id, "name")

    @strawberry.field(description="The decider's display name as last seen (their dashboard login); null when unknown.")
    async def decided_by_name(self, info: Info) -> str | None:
        return await field_of(info.context.loaders.person, self.record.decided_by, "name")

    @strawberry.field
    async def representative_avatar_url(self, info: Info) -> str | None:
        return await field_of(info.context.loaders.person, self.record.representative_id, "avatar_url")

    @strawberry.field(description="Set once the application is approved.")
    async def partnership(self, info: Info) -> Partnership | None:
        if self.record.partnership_id is None:
            return None
        found = await info.context.loaders.partnership.load(self.record.partnership_id)
        return None if found is None else Partnership.of(found)


@strawberry.type
class ShowcasePlacement:
    channel_id: Snowflake | None
    message_id: Snowflake | None
    thread_id: Snowflake | None
    posted_at: datetime | None


@strawberry.type(description="Something the bot could not do on Discord, as the cluster reported it.")
class Problem:
    action: str
    code: str
    message: str
    at: datetime


@strawberry.type
class HealthProblem:
    issue: HealthIssue
    message: str = strawberry.field(description="Plain words for staff.")
    since: datetime
    grace_ends_at: datetime


@strawberry.type
class PartnershipHealth:
    status: HealthStatus
    problems: list[HealthProblem]
    last_checked_at: datetime | None
    next_check_at: datetime | None

    @classmethod
    def of(cls, h: models.Health, now: datetime) -> PartnershipHealth:
        return view_of(cls, h, status=h.status(now), problems=[view_of(HealthProblem, p) for p in h.problems])


@strawberry.type
class ProposedAdvertisement:
    id: strawberry.ID
    advertisement: str
    submitted_at: datetime


@strawberry.type
class Partnership(Node):
    id: strawberry.ID
    guild_id: Snowflake
    partner: PartnerServer
    representative_id: Snowflake
    advertisement: str
    status: PartnershipStatus
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    last_bumped_at: datetime | None
    record: strawberry.Private[models.Partnership]

    @classmethod
    def of(cls, r: models.Partnership) -> Partnership:
        global_id = strawberry.ID(to_global_id("Partnership", r.id))
        return view_of(cls, r, id=global_id, partner=PartnerServer.of(r.partner), record=r)

    @strawberry.field(description="The representative's Discord display name as the bot saw it; null when unknown.")
    async def representative_name(self, info: Info) -> str | None:
        return await field_of(info.context.loaders.person, self.record.representative_id, "name")

    @strawberry.field(description="When the partner may bump next.")
    async def next_bump_at(self, info: Info) -> datetime | None:
        if self.record.status is not enums.PartnershipStatus.ACTIVE:
            return None
        ledger = await info.context.loaders.ledger.load(self.record.guild_id)
        return ledger.next_bump_at(self.record.id)

    @strawberry.field(
        description="Invite to THIS server created for the partner to advertise with; joins through it are attributed."
    )
    def tracked_invite_code(self) -> str | None:
        return self.record.tracked_invite_code

    @strawberry.field(description="Null until the cluster has posted the ad.")
    def showcase(self) -> ShowcasePlacement | None:
        s = self.record.showcase
        return None if s is None else view_of(ShowcasePlacement, s)

    @strawberry.field(
        description="A new advertisement the representative proposed (`/ppartner ad`), waiting for review: the "
        "partnership's pending change. Approved, it replaces the ad and the showcase post is edited in place."
    )
    def proposed_advertisement(self) -> ProposedAdvertisement | None:
        p = self.record.proposed_ad
        if p is None or self.record.status is not enums.PartnershipStatus.ACTIVE:
            return None
        return view_of(ProposedAdvertisement, p)

    @strawberry.field(description="Why the last showcase post failed, in plain words; null when it did not.")
    def showcase_error(self) -> str | None:
        return self.record.showcase_error

    @strawberry.field(
        description="Whether the partner server showcases us: YES while it runs this bot and has an ACTIVE "
        "partnership with us, NO when it runs the bot and has not, UNKNOWN when it does not run the bot."
    )
    async def reciprocity(self, info: Info) -> Reciprocity:
        return await info.context.loaders.reciprocity.load((self.record.guild_id, self.record.partner.id))

    @strawberry.field(description="Recent things the bot could not do for this partnership (newest last).")
    def problems(self) -> list[Problem]:
        return [view_of(Problem, p) for p in self.record.problems]

    @strawberry.field(
        description="The latest health check: the partner's invite, server, member count and our tracked invite."
    )
    async def health(self, info: Info) -> PartnershipHealth:
        ledger = await info.context.loaders.ledger.load(self.record.guild_id)
        return PartnershipHealth.of(health_rules.shown(self.record, ledger.settings.health_grace_hours), utcnow())

    @strawberry.field(description="Members attributed to this partnership (joined through its tracked invite).")
    def join_count(self) -> int:
        return self.record.join_count

    @strawberry.field(description="Of those, members still in the server.")
    def retained_count(self) -> int:
        return self.record.retained_count

    @strawberry.field(
        description="Of joinCount, the fake ones: left within fakeJoinSeconds, or an account younger than "
        "minAccountAgeDays. A member who rejoins is counted once."
    )
    def fake_count(self) -> int:
        return self.record.fake_count

    @strawberry.field(
        description="Attributed joins per UTC day, oldest first, one entry per day (zeros included). days: 1..365."
    )
    async def join_series(self, info: Info, days: int | None = 30) -> list[DailyJoins]:
        return await join_series(info.context.container, self.record.id, days)

    @strawberry.field(description="The application this partnership came from (source MANUAL when staff added it).")
    async def application(self, info: Info) -> Application | None:
        found = await info.context.loaders.application.load(self.record.application_id)
        return None if found is None else Application.of(found)


@strawberry.type
class BlacklistEntry:
    partner_guild_id: Snowflake
    reason: str | None
    added_by: Snowflake | None
    added_at: datetime

    @classmethod
    def of(cls, e: models.BlacklistEntry) -> BlacklistEntry:
        return view_of(cls, e)

    @strawberry.field(
        description="Who added it, by display name as last seen (their dashboard login); null when unknown."
    )
    async def added_by_name(self, info: Info) -> str | None:
        return await field_of(info.context.loaders.person, self.added_by, "name")


@strawberry.type(description="One staff action or automatic decision, with the state before and after.")
class AuditEntry:
    at: datetime
    actor_id: Snowflake | None = strawberry.field(description="Null for an automatic decision.")
    action: str = strawberry.field(description="e.g. application.approve, blacklist.add, settings.update.")
    target_id: str | None = strawberry.field(
        description="The record acted on (application or partnership id, or a server id)."
    )
    before: JSON | None
    after: JSON | None
    reason: str | None
    doc: strawberry.Private[dict]

    @classmethod
    def of(cls, doc: dict) -> AuditEntry:
        actor = doc.get("actor_id")
        return cls(
            at=doc["at"],
            actor_id=int(actor) if actor else None,
            action=doc["action"],
            target_id=_target_global_id(doc),
            before=doc.get("before"),
            after=doc.get("after"),
            reason=doc.get("reason"),
            doc=doc,
        )

    @strawberry.field(description="The actor's Discord display name as last seen (their login); null when unknown.")
    async def actor_name(self, info: Info) -> str | None:
        return await field_of(info.context.loaders.person, self.actor_id, "name")

    @strawberry.field(description="The partner server the entry is about, when there is one.")
    async def partner_server(self, info: Info) -> PartnerServer | None:
        target, action = self.doc.get("target_id"), self.action
        if not target:
            return None
        record: models.Application | models.Partnership | None = None
        if action.startswith("application."):
            record = await info.context.loaders.application.load(target)
        elif action.startswith("partnership."):
            record = await info.context.loaders.partnership.load(target)
        # The guild check is belt and braces: the audit log is read per guild already.
        if record is None or str(record.guild_id) != str(self.doc.get("guild_id")):
            return None
        return PartnerServer.of(record.partner)


def _target_global_id(doc: dict) -> str | None:
    target, action = doc.get("target_id"), doc["action"]
    if target and action.startswith("application."):
        return to_global_id("Application", target)
    if target and action.startswith("partnership."):
        return to_global_id("Partnership", target)
    return target


@strawberry.type(description="A problem with the bot's setup in this guild that staff should fix.")
class GuildWarning:
    code: str
    message: str
    at: datetime
