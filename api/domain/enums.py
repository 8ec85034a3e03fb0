"""The enumerations of the contract, shared by the domain, the store and GraphQL.

The values that travel on the bus (application and channel modes, join types) are the bus
contract's own enums, re-exported here, so the two sides cannot drift. ApplicationSource differs:
the domain has MANUAL (staff-added), which never travels; `source_from_wire` maps the rest.
"""

from enum import StrEnum

from bus.contracts.common import ApplicationMode, ChannelMode, JoinType
from bus.contracts.common import ApplicationSource as WireApplicationSource

__all__ = [
    "ACCEPTED_SOURCES",
    "ApplicationMode",
    "ApplicationSource",
    "ApplicationStatus",
    "ChannelMode",
    "HealthIssue",
    "HealthStatus",
    "JoinType",
    "PartnershipStatus",
    "QueueEventType",
    "Reciprocity",
    "source_from_wire",
    "source_to_wire",
]


class ApplicationSource(StrEnum):
    SLASH = "SLASH"
    PANEL = "PANEL"
    TICKET = "TICKET"
    DM = "DM"
    MANUAL = "MANUAL"
    MUTUAL = "MUTUAL"  # the reverse request of a mutual partnership, filed by the API (api/domain/mutual.py)


class ApplicationStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    DENIED = "DENIED"
    WITHDRAWN = "WITHDRAWN"


class Reciprocity(StrEnum):
    YES = "YES"  # the partner runs the bot and has an ACTIVE partnership with us
    NO = "NO"  # the partner runs the bot and has not
    UNKNOWN = "UNKNOWN"  # the partner does not run the bot: nothing to verify it with


class PartnershipStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"
    # CONFIRM flow: approved, waiting for the representative's Continue; holds an active slot.
    AWAITING_PARTNER = "AWAITING_PARTNER"


class ApprovalFlow(StrEnum):
    DIRECT = "DIRECT"  # approval makes the partnership ACTIVE and sends our ad at once
    CONFIRM = "CONFIRM"  # the PYS flow: ask the representative first, exchange ads only after a yes


class ReviewStyle(StrEnum):
    REACTIONS = "REACTIONS"  # 👍 / 👎 on the review post (PYS)
    BUTTONS = "BUTTONS"  # Approve / Deny / Deny + blacklist buttons; Deny asks for a reason


class QueueEventType(StrEnum):
    APPLICATION_SUBMITTED = "APPLICATION_SUBMITTED"
    APPLICATION_APPROVED = "APPLICATION_APPROVED"
    APPLICATION_DENIED = "APPLICATION_DENIED"
    APPLICATION_WITHDRAWN = "APPLICATION_WITHDRAWN"
    PARTNERSHIP_CREATED = "PARTNERSHIP_CREATED"
    PARTNERSHIP_BUMPED = "PARTNERSHIP_BUMPED"
    PARTNERSHIP_ENDED = "PARTNERSHIP_ENDED"
    SHOWCASE_POSTED = "SHOWCASE_POSTED"
    SETTINGS_UPDATED = "SETTINGS_UPDATED"
    PARTNERSHIP_UPDATED = "PARTNERSHIP_UPDATED"
    PARTNERSHIP_CONFIRMED = "PARTNERSHIP_CONFIRMED"
    HEALTH_CHANGED = "HEALTH_CHANGED"


class HealthStatus(StrEnum):
    OK = "OK"
    AT_RISK = "AT_RISK"  # a problem is open, still inside its grace period
    FAILING = "FAILING"  # a problem outlasted healthGraceHours (and autoEndUnhealthy is off)


class HealthIssue(StrEnum):
    PARTNER_INVITE_INVALID = "PARTNER_INVITE_INVALID"
    PARTNER_SERVER_GONE = "PARTNER_SERVER_GONE"
    BELOW_MIN_MEMBERS = "BELOW_MIN_MEMBERS"
    TRACKED_INVITE_DELETED = "TRACKED_INVITE_DELETED"
    NOT_RECIPROCATED = "NOT_RECIPROCATED"


# Which Discord entry points each application mode accepts (DESIGN.md "Rules").
ACCEPTED_SOURCES: dict[ApplicationMode, frozenset[ApplicationSource]] = {
    ApplicationMode.SLASH: frozenset({ApplicationSource.SLASH, ApplicationSource.PANEL, ApplicationSource.DM}),
    ApplicationMode.TICKET: frozenset({ApplicationSource.TICKET}),
    ApplicationMode.MANUAL: frozenset(),
}


def source_from_wire(source: WireApplicationSource) -> ApplicationSource:
    """Every source a submission can arrive with is a domain source of the same name."""
    return ApplicationSource(source.value)


def source_to_wire(source: ApplicationSource) -> WireApplicationSource:
    """The source as review.post carries it; MANUAL applications are never posted for review."""
    if source is ApplicationSource.MANUAL:
        raise ValueError("a MANUAL application never travels on the bus")
    return WireApplicationSource(source.value)
