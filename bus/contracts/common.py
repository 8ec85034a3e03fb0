"""Enums and nested shapes used by several messages."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bus.contracts.types import Snowflake


class _Part(BaseModel):
    # Nested shapes follow the same forward-compatibility rule as bodies (see Contract).
    model_config = ConfigDict(extra="ignore")


class ApplicationSource(StrEnum):
    """Where a Discord-side application came from (MANUAL entries never travel on the bus)."""

    SLASH = "SLASH"
    PANEL = "PANEL"
    TICKET = "TICKET"
    DM = "DM"
    MUTUAL = "MUTUAL"  # filed by the API for a partner server that also runs the bot


class ApplicationMode(StrEnum):
    SLASH = "SLASH"
    TICKET = "TICKET"
    MANUAL = "MANUAL"


class ChannelMode(StrEnum):
    SINGLE_CHANNEL = "SINGLE_CHANNEL"
    CHANNEL_PER_PARTNER = "CHANNEL_PER_PARTNER"
    FORUM_PER_PARTNER = "FORUM_PER_PARTNER"


class JoinType(StrEnum):
    INVITE = "INVITE"  # exactly one invite's use count rose
    VANITY = "VANITY"  # the vanity URL's use count rose
    UNKNOWN = "UNKNOWN"  # no count rose (or invites could not be read)
    AMBIGUOUS = "AMBIGUOUS"  # several rose together; the candidates are listed, none is guessed


class ReviewStatus(StrEnum):
    APPROVED = "APPROVED"
    DENIED = "DENIED"
    WITHDRAWN = "WITHDRAWN"  # the representative withdrew the application before staff decided


class DmButton(StrEnum):
    """A persistent button under a dm.send message. The cluster builds it (its custom_id carries the
    envelope's guild and the DM's user, so a click works after any node restarted) and turns the click
    into the event named here."""

    STOP_BUMP_REMINDERS = "STOP_BUMP_REMINDERS"  # "Stop these reminders": representative.bump_reminders_off


class CommandErrorCode(StrEnum):
    """Known values of command.completed's error_code.

    The field itself is a plain upper-case string, so a cluster that learns a new code does not make
    an older api dead-letter its results; the api treats an unknown code like HTTP_ERROR.
    """

    MISSING_PERMISSIONS = "MISSING_PERMISSIONS"  # the bot lacks a Discord permission for the action
    UNKNOWN_CHANNEL = "UNKNOWN_CHANNEL"  # the channel / category / forum / thread no longer exists
    UNKNOWN_MESSAGE = "UNKNOWN_MESSAGE"  # the message to edit or delete no longer exists
    UNKNOWN_ROLE = "UNKNOWN_ROLE"
    UNKNOWN_MEMBER = "UNKNOWN_MEMBER"  # the user is not (or no longer) in the guild
    FORBIDDEN_DM = "FORBIDDEN_DM"  # the user does not accept direct messages from the bot
    NOT_FOUND = "NOT_FOUND"  # another Discord 404 (guild gone, interaction token expired, ...)
    RATE_LIMITED = "RATE_LIMITED"  # gave up after Discord kept answering 429
    HTTP_ERROR = "HTTP_ERROR"  # any other Discord REST failure
    GUILD_UNAVAILABLE = "GUILD_UNAVAILABLE"  # the bot is not in the guild or the guild is in an outage
    INVALID_COMMAND = "INVALID_COMMAND"  # the command cannot apply (e.g. target of the wrong channel type)


class GuildWarningCode(StrEnum):
    """Known values of guild.warning's code (a plain string on the wire, like CommandErrorCode)."""

    MISSING_MANAGE_GUILD = "MISSING_MANAGE_GUILD"  # cannot read invites: join attribution is off
    MISSING_PERMISSIONS = "MISSING_PERMISSIONS"  # another permission the configured setup needs
    CHANNEL_MISSING = "CHANNEL_MISSING"  # a configured channel was deleted
    ROLE_MISSING = "ROLE_MISSING"  # a configured role was deleted
    ROLE_ABOVE_BOT = "ROLE_ABOVE_BOT"  # the contact role sits above the bot's top role


class DirectoryChannelType(StrEnum):
    """The channel kinds the settings pickers need; every other kind (voice, stage...) is OTHER."""

    TEXT = "TEXT"
    ANNOUNCEMENT = "ANNOUNCEMENT"
    CATEGORY = "CATEGORY"
    FORUM = "FORUM"
    OTHER = "OTHER"


class DirectoryChannel(_Part):
    id: Snowflake
    name: str
    type: DirectoryChannelType
    parent_id: Snowflake | None = None  # the category it sits in
    position: int = 0


class DirectoryRole(_Part):
    id: Snowflake
    name: str
    color: int = Field(default=0, ge=0)
    position: int = 0
    managed: bool = False  # managed by an integration: the bot cannot grant it


class PartnerServer(_Part):
    """The partner's server as resolved from its invite: id, display name and approximate size."""

    id: Snowflake
    name: str
    icon_url: str | None = None
    member_count: int | None = Field(default=None, ge=0)  # None for manual entries with no count
    invite_code: str  # the partner's own invite (what the applicant submitted)


class InteractionReply(_Part):
    """How to answer the applicant later: the bot application's id and the interaction token
    (valid 15 minutes), used by interaction.followup."""

    application_id: Snowflake
    token: str


class Placement(_Part):
    """Where a showcase ad lives: a message in a channel, or a channel / forum thread of its own."""

    channel_id: Snowflake | None = None
    message_id: Snowflake | None = None
    thread_id: Snowflake | None = None


class CommandRefs(_Part):
    """The api's own record ids a command acts for (not snowflakes: the api's ids), echoed back in
    command.completed so the api can update the right record without a lookup table."""

    application_id: str | None = None
    partnership_id: str | None = None
