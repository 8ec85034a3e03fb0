"""The enumerations of the contract, shared by the domain, the store and GraphQL."""

from enum import StrEnum


class ApplicationMode(StrEnum):
    SLASH = "SLASH"
    TICKET = "TICKET"
    MANUAL = "MANUAL"


class ChannelMode(StrEnum):
    SINGLE_CHANNEL = "SINGLE_CHANNEL"
    CHANNEL_PER_PARTNER = "CHANNEL_PER_PARTNER"
    FORUM_PER_PARTNER = "FORUM_PER_PARTNER"


class ApplicationSource(StrEnum):
    SLASH = "SLASH"
    PANEL = "PANEL"
    TICKET = "TICKET"
    DM = "DM"
    MANUAL = "MANUAL"


class ApplicationStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    DENIED = "DENIED"
    WITHDRAWN = "WITHDRAWN"


class PartnershipStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"


class JoinType(StrEnum):
    INVITE = "INVITE"
    VANITY = "VANITY"
    UNKNOWN = "UNKNOWN"
    AMBIGUOUS = "AMBIGUOUS"


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


# Which Discord entry points each application mode accepts (DESIGN.md "Rules").
ACCEPTED_SOURCES: dict[ApplicationMode, frozenset[ApplicationSource]] = {
    ApplicationMode.SLASH: frozenset({ApplicationSource.SLASH, ApplicationSource.PANEL, ApplicationSource.DM}),
    ApplicationMode.TICKET: frozenset({ApplicationSource.TICKET}),
    ApplicationMode.MANUAL: frozenset(),
}
