"""Record changes: the database work a committed ledger change owes, named for what happened.

A service's `decide` returns these beside the new ledger; `api.store.projector` maps each one to
its MongoDB write when the change is committed, so services never name a collection or a document
shape. To add one: a frozen dataclass here, added to `RecordChange`, and one branch in the projector.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .enums import ApplicationStatus
from .models import AdProposal, Application, Health, PartnerServer, Partnership, Problem, ShowcasePlacement


@dataclass(frozen=True, slots=True)
class ApplicationRecorded:
    """A submission (pending, or denied at once) or a staff-added application is stored."""

    application: Application


@dataclass(frozen=True, slots=True)
class ApplicationDecided:
    """A pending application is approved (starting `partnership_id`) or denied (with `reason`)."""

    application_id: str
    status: ApplicationStatus
    decided_at: datetime
    decided_by: int | None
    reason: str | None = None
    partnership_id: str | None = None


@dataclass(frozen=True, slots=True)
class PartnershipStarted:
    partnership: Partnership


@dataclass(frozen=True, slots=True)
class PartnershipEnded:
    partnership_id: str
    ended_at: datetime
    reason: str | None


@dataclass(frozen=True, slots=True)
class PartnershipConfirmed:
    """The representative said yes (CONFIRM flow): AWAITING_PARTNER becomes ACTIVE."""

    partnership_id: str
    confirmed_at: datetime


@dataclass(frozen=True, slots=True)
class ConfirmationDeadlineSet:
    """When an unanswered offer ends by itself: scheduled work (`api.store.scheduled`), so it survives
    restarts and runs once across replicas. Set once per partnership; the deadline handler reads the
    ledger, so an answered offer makes it a no-op."""

    guild_id: int
    partnership_id: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class PartnershipPlaced:
    """The ad is up in the showcase: its post time starts the bump interval."""

    partnership_id: str
    placement: ShowcasePlacement


@dataclass(frozen=True, slots=True)
class ShowcaseFailed:
    """The cluster could not post the ad; `error` is shown on the partnership."""

    partnership_id: str
    error: str | None


@dataclass(frozen=True, slots=True)
class TrackedInviteStored:
    """The partnership's tracked invite (new, or made again after ours was deleted) is `code`."""

    partnership_id: str
    code: str


@dataclass(frozen=True, slots=True)
class PartnershipEdited:
    """updatePartnership: the fields given changed (partner name and invite, ad, representative)."""

    partnership_id: str
    partner: PartnerServer
    advertisement: str
    representative_id: int


@dataclass(frozen=True, slots=True)
class AdProposed:
    """The representative proposed a new ad: the partnership's pending change."""

    partnership_id: str
    proposal: AdProposal


@dataclass(frozen=True, slots=True)
class AdDecided:
    """Staff decided a proposed ad: approved, it becomes the partnership's ad; either way it is no longer pending."""

    partnership_id: str
    proposal_id: str
    advertisement: str | None  # the new ad when approved; None when denied


@dataclass(frozen=True, slots=True)
class BlacklistAdded:
    """`rev` is the ledger version that wrote it: a late replay of an older change loses to it."""

    guild_id: int
    partner_guild_id: int
    reason: str | None
    added_by: int | None
    added_at: datetime
    rev: int


@dataclass(frozen=True, slots=True)
class BlacklistRemoved:
    guild_id: int
    partner_guild_id: int
    rev: int


@dataclass(frozen=True, slots=True)
class AuditRecorded:
    """Who did what (actor None: an automatic decision), with the state before and after."""

    entry_id: str
    guild_id: int
    at: datetime
    actor: int | None
    action: str
    target: str | None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class HealthChecked:
    """A check's outcome (`partner.check`): the partnership's health, and the partner as the check saw
    it. Only Discord's facts (name, icon, member count) are written: what staff typed is replaced by
    them, and an invite code edited meanwhile is kept."""

    partnership_id: str
    health: Health
    partner: PartnerServer


@dataclass(frozen=True, slots=True)
class WorkScheduled:
    """A piece of scheduled work (`api.store.scheduled`) is due at `due_at`; with `keep_earlier`
    an earlier due time already stored wins. Journaled with the change that owes it, so a crash
    between the commit and the scheduling loses no check, reminder or deadline."""

    kind: str
    key: str
    due_at: datetime
    guild_id: int | None = None
    keep_earlier: bool = False


@dataclass(frozen=True, slots=True)
class MutualLinkJoined:
    """Our partnership with `partner_id` is ACTIVE: it is our side of the pair's link
    (`api.store.mutual_links`). Journaled with the change that makes it ACTIVE, so a crash after the
    commit still links the pair; `rev` is that change's ledger version, so a late replay loses to a
    later leave."""

    guild_id: int
    partner_id: int
    partnership_id: str
    rev: int


@dataclass(frozen=True, slots=True)
class MutualLinkLeft:
    """Our partnership with `partner_id` ended: our side of the pair's link is cleared, only if it is
    still this partnership (`rev` as in `MutualLinkJoined`)."""

    guild_id: int
    partner_id: int
    partnership_id: str
    rev: int


@dataclass(frozen=True, slots=True)
class BumpRemindersStopped:
    """The representative pressed "Stop these reminders" on a bump reminder DM: no more reminders to
    them about this guild's partnerships (kept per representative per guild, outside the ledger)."""

    guild_id: int
    representative_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class ProblemRaised:
    """A problem shown on a partnership and among its guild's warnings (NOT_RECIPROCATED), journaled
    with the change that decides it, so a crash after the commit still shows it. Raised once per code:
    a replay, or a second raise while it is open, keeps the first (its grace counts from then)."""

    guild_id: int
    partnership_id: str
    problem: Problem


@dataclass(frozen=True, slots=True)
class ProblemCleared:
    """The partnership's problems with `code` are solved: gone from it and from its guild's warnings."""

    guild_id: int
    partnership_id: str
    code: str


RecordChange = (
    ApplicationRecorded
    | ApplicationDecided
    | PartnershipStarted
    | PartnershipEnded
    | PartnershipConfirmed
    | ConfirmationDeadlineSet
    | PartnershipPlaced
    | ShowcaseFailed
    | TrackedInviteStored
    | PartnershipEdited
    | AdProposed
    | AdDecided
    | BlacklistAdded
    | BlacklistRemoved
    | AuditRecorded
    | HealthChecked
    | WorkScheduled
    | MutualLinkJoined
    | MutualLinkLeft
    | BumpRemindersStopped
    | ProblemRaised
    | ProblemCleared
)
RECORD_CHANGES = RecordChange.__args__
