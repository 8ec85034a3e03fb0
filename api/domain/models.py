"""The records of the domain. Plain dataclasses: the store maps them to documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .enums import (
    ApplicationMode,
    ApplicationSource,
    ApplicationStatus,
    ApprovalFlow,
    ChannelMode,
    HealthIssue,
    HealthStatus,
    PartnershipStatus,
    ReviewStyle,
)

# Hard limits per guild (the seeds' "Limits").
ACTIVE_HARD_MAX = 100
PENDING_MAX = 250
BLACKLIST_MAX = 500


@dataclass(frozen=True, slots=True)
class PartnerServer:
    """The bus contract's PartnerServer (bus/contracts/common.py) with the domain's int id: the
    ledger keys partner servers by int like every other Discord id here, where the wire carries
    decimal strings. Same field names, pinned by tests/api/domain/test_vocabulary.py;
    `api.services.effects.wire_partner` is the one mapping."""

    id: int
    name: str
    icon_url: str | None
    member_count: int | None
    invite_code: str


@dataclass(frozen=True, slots=True)
class GuildSettings:
    application_mode: ApplicationMode = ApplicationMode.SLASH
    channel_mode: ChannelMode = ChannelMode.SINGLE_CHANNEL
    showcase_channel_id: int | None = None
    showcase_category_id: int | None = None
    showcase_forum_id: int | None = None
    review_channel_id: int | None = None
    review_ping_role_id: int | None = None
    ticket_channel_id: int | None = None
    manager_role_ids: tuple[int, ...] = ()
    viewer_role_ids: tuple[int, ...] = ()
    partner_contact_role_id: int | None = None
    min_partner_member_count: int = 0
    application_cooldown_hours: int = 24
    max_active: int = 0
    bump_interval_days: int = 7
    track_joins: bool = False
    advertisement: str | None = None
    # Round 2: the partnership's life after approval (see schema-round2.graphql for each meaning).
    approval_flow: ApprovalFlow = ApprovalFlow.DIRECT
    review_style: ReviewStyle = ReviewStyle.REACTIONS
    confirm_hours: int = 72
    log_channel_id: int | None = None
    health_checks: bool = True
    health_grace_hours: int = 72
    auto_end_unhealthy: bool = False
    stale_queue_hours: int = 48
    mutual_partnerships: bool = True

    @property
    def log_target_id(self) -> int | None:
        """Where staff are told about health, stale queues and partners' answers: the log channel, else
        the review channel."""
        return self.log_channel_id if self.log_channel_id is not None else self.review_channel_id

    fake_join_seconds: int = 600  # an attributed member leaving sooner was a fake join; 0 = off
    min_account_age_days: int = 0  # younger accounts are fake joins; 0 = off

    @property
    def active_max(self) -> int:
        """min(maxActive, 100); 100 when maxActive is 0 (unlimited up to the hard limit)."""
        return ACTIVE_HARD_MAX if self.max_active == 0 else min(self.max_active, ACTIVE_HARD_MAX)

    @property
    def showcase_target_id(self) -> int | None:
        """The channel, category or forum the current channel mode posts into."""
        return {
            ChannelMode.SINGLE_CHANNEL: self.showcase_channel_id,
            ChannelMode.CHANNEL_PER_PARTNER: self.showcase_category_id,
            ChannelMode.FORUM_PER_PARTNER: self.showcase_forum_id,
        }[self.channel_mode]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the bot could not do on Discord (reported back by the cluster)."""

    action: str  # the command type, e.g. "showcase.post"
    code: str  # e.g. MISSING_PERMISSIONS
    message: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ShowcasePlacement:
    channel_id: int | None = None
    message_id: int | None = None
    thread_id: int | None = None
    posted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReviewPost:
    channel_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class AdProposal:
    """A new advertisement the representative proposed for their active partnership (`/ppartner ad`),
    reviewed like an application: approved, it replaces the ad and the showcase post is edited in place."""

    id: str
    advertisement: str
    submitted_at: datetime
    review: ReviewPost | None = None


@dataclass(frozen=True, slots=True)
class Application:
    id: str
    guild_id: int
    partner: PartnerServer
    representative_id: int
    advertisement: str
    source: ApplicationSource
    status: ApplicationStatus
    submitted_at: datetime
    decided_at: datetime | None = None
    decided_by: int | None = None
    reason: str | None = None
    partnership_id: str | None = None
    review: ReviewPost | None = None
    ticket_thread_id: int | None = None  # TICKET source: the private thread, told and closed on decision


# Staff and the representative are reminded this long before a health problem's grace period ends.
REMINDER_BEFORE = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class HealthProblem:
    issue: HealthIssue
    message: str
    since: datetime
    grace_ends_at: datetime
    reminded: bool = False  # the "a day before the grace ends" notice was sent

    @property
    def remind_at(self) -> datetime | None:
        """When to remind, or None when the grace is a day or shorter (the opening notice says it all)."""
        at = self.grace_ends_at - REMINDER_BEFORE
        return at if at > self.since else None


@dataclass(frozen=True, slots=True)
class Health:
    problems: tuple[HealthProblem, ...] = ()
    last_checked_at: datetime | None = None
    next_check_at: datetime | None = None

    def status(self, now: datetime) -> HealthStatus:
        if not self.problems:
            return HealthStatus.OK
        if any(p.grace_ends_at <= now for p in self.problems):
            return HealthStatus.FAILING
        return HealthStatus.AT_RISK

    def next_deadline(self, now: datetime) -> datetime | None:
        """The next time a problem's reminder or grace end is due after `now` (for scheduled work)."""
        times = [p.grace_ends_at for p in self.problems if p.grace_ends_at > now]
        times += [p.remind_at for p in self.problems if not p.reminded and p.remind_at and p.remind_at > now]
        return min(times, default=None)


@dataclass(frozen=True, slots=True)
class Partnership:
    id: str
    guild_id: int
    application_id: str
    partner: PartnerServer
    representative_id: int
    advertisement: str
    status: PartnershipStatus
    started_at: datetime
    ended_at: datetime | None = None
    end_reason: str | None = None
    last_bumped_at: datetime | None = None
    next_bump_at: datetime | None = None
    tracked_invite_code: str | None = None
    showcase: ShowcasePlacement | None = None
    showcase_error: str | None = None
    join_count: int = 0
    retained_count: int = 0
    fake_count: int = 0
    problems: tuple[Problem, ...] = ()
    health: Health = field(default_factory=lambda: Health())
    proposed_ad: AdProposal | None = None  # the pending change, until staff decide


# What a partner offers, carried unchanged from the submission to its application and partnership.
_OFFER = ("guild_id", "partner", "representative_id", "advertisement")


def _offer(of: Submission | Application) -> dict:
    return {name: getattr(of, name) for name in _OFFER}


def application_from(
    submission: Submission,
    application_id: str,
    filed_at: datetime,
    status: ApplicationStatus = ApplicationStatus.PENDING,
    *,
    decided_by: int | None = None,
    reason: str | None = None,
    partnership_id: str | None = None,
    ticket_thread_id: int | None = None,
) -> Application:
    """The application a submission files once the ledger admitted it at `filed_at`: PENDING, or
    decided at once (DENIED for a blacklisted partner, APPROVED when staff add the partner)."""
    return Application(
        id=application_id,
        source=submission.source,
        status=status,
        submitted_at=filed_at,
        decided_at=None if status is ApplicationStatus.PENDING else filed_at,
        decided_by=decided_by,
        reason=reason,
        partnership_id=partnership_id,
        ticket_thread_id=ticket_thread_id,
        **_offer(submission),
    )


def partnership_from(
    application: Application,
    partnership_id: str,
    started_at: datetime,
    status: PartnershipStatus = PartnershipStatus.ACTIVE,
) -> Partnership:
    """The partnership an approved (or staff-added) application starts: ACTIVE, or AWAITING_PARTNER
    under the CONFIRM flow."""
    return Partnership(
        id=partnership_id, application_id=application.id, status=status, started_at=started_at, **_offer(application)
    )


@dataclass(frozen=True, slots=True)
class BlacklistEntry:
    guild_id: int
    partner_guild_id: int
    reason: str | None
    added_by: int | None
    added_at: datetime


@dataclass(frozen=True, slots=True)
class Submission:
    """An application as it arrives (from Discord through the bus)."""

    guild_id: int
    partner: PartnerServer
    representative_id: int
    advertisement: str
    source: ApplicationSource
    submitted_at: datetime = field(compare=False)
