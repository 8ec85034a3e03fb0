"""Events: cluster -> api, on exchange partners.events with routing key = type.

An event states a fact about Discord; the api decides what it means. application.submitted and
member.joined are fixed by DESIGN.md because other programs publish and read them.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, model_validator

from bus.contracts.common import (
    ApplicationSource,
    CommandRefs,
    DirectoryChannel,
    DirectoryRole,
    InteractionReply,
    JoinType,
    PartnerServer,
)
from bus.contracts.registry import Contract, Kind, register
from bus.contracts.types import Snowflake, UtcDateTime

ReviewEmoji = Literal["👍", "👎"]


@register("application.submitted", kind=Kind.EVENT)
class ApplicationSubmitted(Contract):
    """A representative applied from Discord (slash modal, panel button, ticket or DM command).

    The cluster has already resolved the partner's invite. reply is set when the applicant used an
    interaction, so the api can answer with interaction.followup; ticket_channel_id when a ticket
    thread was opened. Business checks (blacklist, cooldown, limits, ad length) are the api's.
    """

    source: ApplicationSource
    representative_id: Snowflake
    advertisement: str
    partner: PartnerServer
    reply: InteractionReply | None = None
    ticket_channel_id: Snowflake | None = None


@register("application.submitted", kind=Kind.EVENT, version=2)
class ApplicationSubmittedV2(ApplicationSubmitted):
    """v1 (kept exactly as DESIGN.md fixes it, still accepted) plus the representative's display name
    and avatar as the bot saw them, so the dashboard shows a name instead of an id. Optional: unknown
    when a producer does not know them."""

    representative_name: str | None = Field(default=None, max_length=100)
    representative_avatar_url: str | None = Field(default=None, max_length=512)


class RepresentativeRequest(Contract):
    """Base of what a representative asks for with ``/ppartner`` in a guild. The api checks that the
    member is the representative and answers through ``reply`` (interaction.followup, ephemeral), the
    pattern /ppartner apply uses. partner_id narrows the request to one partner server when the member
    represents several; null: their only one."""

    user_id: Snowflake
    reply: InteractionReply
    partner_id: Snowflake | None = None


@register("representative.status", kind=Kind.EVENT)
class RepresentativeStatus(RepresentativeRequest):
    """``/ppartner status``: the member's applications and partnerships in this guild, with what comes next."""


@register("representative.withdraw", kind=Kind.EVENT)
class RepresentativeWithdraw(RepresentativeRequest):
    """``/ppartner withdraw``: withdraw the member's pending application (WITHDRAWN)."""


@register("representative.bump", kind=Kind.EVENT)
class RepresentativeBump(RepresentativeRequest):
    """``/ppartner bump``: re-post the member's ad, once its next bump time has passed."""


@register("representative.ad", kind=Kind.EVENT)
class RepresentativeAd(RepresentativeRequest):
    """``/ppartner ad``: propose a new advertisement for the member's active partnership; staff review it
    like an application. Its length is the api's rule (the 2,000-character limit is refused there)."""

    advertisement: str


@register("representative.bump_reminders_off", kind=Kind.EVENT)
class RepresentativeBumpRemindersOff(Contract):
    """ "Stop these reminders" clicked on a bump reminder DM (dm.send with button STOP_BUMP_REMINDERS) by
    the representative it was sent to (the cluster refuses anyone else's click). The envelope's
    guild_id is the guild the reminders come from (from the button's custom_id); reply is the click,
    deferred ephemerally, which the api answers."""

    user_id: Snowflake
    reply: InteractionReply


@register("member.joined", kind=Kind.EVENT)
class MemberJoined(Contract):
    """A member joined the guild, with the invite the cluster attributed the join to.

    invite_code is set only for join_type INVITE (and VANITY: the vanity code); for AMBIGUOUS the
    possible codes are in candidates and invite_code is null: the api never guesses.
    """

    user_id: Snowflake
    invite_code: str | None = None
    join_type: JoinType
    candidates: list[str] = Field(default_factory=list)
    joined_at: UtcDateTime
    account_created_at: UtcDateTime
    bot: bool


@register("member.left", kind=Kind.EVENT)
class MemberLeft(Contract):
    """A member left (or was kicked / banned from) the guild; lowers a partnership's retained count."""

    user_id: Snowflake
    left_at: UtcDateTime


@register("review.reaction", kind=Kind.EVENT)
class ReviewReaction(Contract):
    """Someone reacted 👍 or 👎 on a message in a guild (the cluster forwards reactions on any message
    it posted as a review; the api matches channel_id + message_id to an application).

    The cluster computes the member's permissions (member_permissions: the guild-level permission
    bitfield, ADMINISTRATOR and MANAGE_GUILD included) so the api can decide whether this member may
    approve or deny without calling Discord. An unauthorised reaction is undone by the api with
    review.reaction.remove.
    """

    channel_id: Snowflake
    message_id: Snowflake
    user_id: Snowflake
    emoji: ReviewEmoji
    member_role_ids: list[Snowflake] = Field(default_factory=list)
    member_permissions: int = Field(ge=0)
    is_owner: bool
    user_name: str | None = None  # the reactor's display name, for "denied in Discord by <name>"


@register("review.button", kind=Kind.EVENT)
class ReviewButton(Contract):
    """A member clicked Approve, or submitted the Deny form (Deny or Deny + blacklist, with a reason),
    on a review post with buttons (reviewStyle BUTTONS). Carries the member's roles and permissions
    like review.reaction, so the api decides whether the click counts; reply is the click's
    interaction, deferred ephemerally, which the api answers with interaction.followup."""

    application_id: str
    channel_id: Snowflake | None = None
    message_id: Snowflake | None = None
    user_id: Snowflake
    user_name: str | None = None
    decision: Literal["APPROVE", "DENY"]
    blacklist: bool = False
    reason: str | None = None
    member_role_ids: list[Snowflake] = Field(default_factory=list)
    member_permissions: int = Field(ge=0)
    is_owner: bool
    reply: InteractionReply


@register("partnership.answer", kind=Kind.EVENT)
class PartnershipAnswer(Contract):
    """CONFIRM flow: a user clicked Continue or No thanks on the DM of partnership.confirm.ask (the
    envelope's guild_id is the guild that made the offer, read from the button). The api decides
    whether it counts (the representative, in time); reply is the click, deferred ephemerally."""

    partnership_id: str
    user_id: Snowflake
    answer: Literal["CONTINUE", "DECLINE"]
    reply: InteractionReply


@register("command.completed", kind=Kind.EVENT)
class CommandCompleted(Contract):
    """The outcome of one command, sent by the cluster after it acted (success or final failure).

    command_id is the command envelope's id; refs echoes the command's application / partnership id.
    On success, result carries what Discord created: {"channel_id", "message_id", "thread_id"} for
    posts, {"code"} for invites, {} otherwise. On failure, error_code is a CommandErrorCode value
    (plain upper-case string) and error a reason in plain words for the dashboard.
    """

    command_id: str
    command_type: str
    ok: bool
    error_code: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9_]*$")
    error: str | None = None
    refs: CommandRefs = Field(default_factory=CommandRefs)
    result: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _code_matches_outcome(self) -> Self:
        # A failure without a code cannot be handled by the api; a success with one is contradictory.
        if self.ok and self.error_code is not None:
            raise ValueError("ok=true carries no error_code")
        if not self.ok and self.error_code is None:
            raise ValueError("ok=false needs an error_code")
        return self


@register("guild.warning", kind=Kind.EVENT)
class GuildWarning(Contract):
    """Something in the guild's setup keeps the bot from doing its job (code: a GuildWarningCode
    value, e.g. MISSING_MANAGE_GUILD when invites cannot be read); shown to staff on the dashboard."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    message: str


@register("invite.deleted", kind=Kind.EVENT)
class InviteDeleted(Contract):
    """An invite of the guild was deleted (the gateway's INVITE_DELETE), for guilds the api configured.
    The api decides whether it was a partnership's tracked invite (and makes a new one)."""

    code: str = Field(min_length=1, max_length=100)
    channel_id: Snowflake | None = None


@register("shard.ready", kind=Kind.EVENT)
class ShardReady(Contract):
    """A shard connected (or reconnected) and knows its guilds. A node-level event: the envelope's
    guild_id is "0" (NODE_GUILD_ID). The api answers with settings.sync for guilds that need it."""

    shard_id: int = Field(ge=0)
    shard_count: int = Field(ge=1)
    guild_ids: list[Snowflake] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shard_in_range(self) -> Self:
        if self.shard_id >= self.shard_count:
            raise ValueError("shard_id must be below shard_count")
        return self


@register("guild.directory", kind=Kind.EVENT)
class GuildDirectory(Contract):
    """A guild's name, icon, channels and roles as the node's cache holds them (no REST call): sent on
    shard ready and, debounced per guild, after GUILD_UPDATE and channel / role create, update, delete.

    Each one replaces the previous whole. revision grows with every snapshot (a time in nanoseconds,
    never lower than the node's previous one for the guild), so the api keeps the highest it has seen
    and a late, older snapshot changes nothing.
    """

    revision: int = Field(ge=0)
    name: str
    icon_url: str | None = None
    channels: list[DirectoryChannel] = Field(default_factory=list)
    roles: list[DirectoryRole] = Field(default_factory=list)
    # The member count the gateway gave the node (GUILD_CREATE's member_count); optional and additive:
    # older nodes omit it. Used as "the member count as the bot knows it" of a mutual request.
    member_count: int | None = Field(default=None, ge=0)
