"""Commands: api -> cluster, on exchange partners.commands with routing key shard.<n>.

A command asks the cluster node holding the guild's shard to act on Discord. The cluster answers
each command with one command.completed event (ok or failed) that echoes refs(). Commands wait in
their shard's durable queue while the node restarts, so they must stay meaningful when late: they
carry the full target (ids, texts) instead of "do the next step".
"""

from __future__ import annotations

from pydantic import Field

from bus.contracts.common import (
    ApplicationMode,
    ApplicationSource,
    ChannelMode,
    CommandRefs,
    DmButton,
    PartnerServer,
    Placement,
    ReviewStatus,
)
from bus.contracts.events import ReviewEmoji
from bus.contracts.registry import Contract, Kind, register
from bus.contracts.types import Snowflake, UtcDateTime


class Command(Contract):
    """Base of command bodies."""

    def command_refs(self) -> CommandRefs:
        """The api record ids this command acts for, for command.completed.refs: an explicit refs
        field when the command has one, else its application_id / partnership_id fields."""
        explicit = getattr(self, "refs", None)
        if isinstance(explicit, CommandRefs):
            return explicit
        return CommandRefs(
            application_id=getattr(self, "application_id", None),
            partnership_id=getattr(self, "partnership_id", None),
        )


@register("settings.sync", kind=Kind.COMMAND)
class SettingsSync(Command):
    """The guild's partnership settings the cluster needs to act alone (which entry points accept
    applications, where tickets open, whether to track invites). Sent on change and after
    shard.ready; the cluster keeps the latest per guild and replaces it whole."""

    application_mode: ApplicationMode
    channel_mode: ChannelMode
    showcase_channel_id: Snowflake | None = None
    showcase_category_id: Snowflake | None = None
    showcase_forum_id: Snowflake | None = None
    review_channel_id: Snowflake | None = None
    review_ping_role_id: Snowflake | None = None
    ticket_channel_id: Snowflake | None = None
    manager_role_ids: list[Snowflake] = Field(default_factory=list)
    partner_contact_role_id: Snowflake | None = None
    track_joins: bool
    advertisement: str | None = None


@register("review.post", kind=Kind.COMMAND)
class ReviewPost(Command):
    """Post a new application in the review channel, pinging ping_role_id, and add the 👍 / 👎
    reactions (buttons=true: Approve / Deny / Deny + blacklist buttons instead, for reviewStyle
    BUTTONS). Result: {"channel_id", "message_id"}."""

    application_id: str
    channel_id: Snowflake
    ping_role_id: Snowflake | None = None
    partner: PartnerServer
    representative_id: Snowflake
    advertisement: str
    source: ApplicationSource
    buttons: bool = False
    # Set when the post reviews a new advertisement proposed for this active partnership (then
    # application_id is the proposal's id): the same 👍 / 👎, the embed says what changes.
    proposal_for: str | None = None


@register("review.update", kind=Kind.COMMAND)
class ReviewUpdate(Command):
    """Edit a review message to show the decision ("accepted" / "denied", by whom, why)."""

    application_id: str
    channel_id: Snowflake
    message_id: Snowflake
    status: ReviewStatus
    decided_by: Snowflake | None = None  # None: decided automatically (e.g. blacklisted)
    reason: str | None = None


@register("review.reaction.remove", kind=Kind.COMMAND)
class ReviewReactionRemove(Command):
    """Remove one user's reaction from a review message (they may not decide)."""

    channel_id: Snowflake
    message_id: Snowflake
    user_id: Snowflake
    emoji: ReviewEmoji


@register("showcase.post", kind=Kind.COMMAND)
class ShowcasePost(Command):
    """Post (or, with replace, re-post: bump) a partner's ad in the showcase. target_id is the
    channel (SINGLE_CHANNEL), the category to create the partner's channel under
    (CHANNEL_PER_PARTNER) or the forum to open a thread in (FORUM_PER_PARTNER). The old placement is
    removed only after the new post succeeded. Result: {"channel_id", "message_id", "thread_id"}."""

    partnership_id: str
    channel_mode: ChannelMode
    target_id: Snowflake
    partner: PartnerServer
    advertisement: str
    replace: Placement | None = None


class PlacedShowcaseCommand(Command):
    """Base of the commands that act on a partner's showcase post where it was placed."""

    partnership_id: str
    channel_mode: ChannelMode
    placement: Placement


@register("showcase.remove", kind=Kind.COMMAND)
class ShowcaseRemove(PlacedShowcaseCommand):
    """Take a partner's ad down: delete the message, or archive the partner's channel / thread."""


@register("invite.create", kind=Kind.COMMAND)
class InviteCreate(Command):
    """Create a permanent invite to this guild for a partner to advertise with; joins through it
    are attributed. channel_id None: the cluster picks (system channel, else first it may invite
    to). Result: {"code"}."""

    partnership_id: str
    channel_id: Snowflake | None = None


class RoleCommand(Command):
    """Base of the commands that change one member's role, for a partnership when one is named."""

    user_id: Snowflake
    role_id: Snowflake
    partnership_id: str | None = None


@register("role.grant", kind=Kind.COMMAND)
class RoleGrant(RoleCommand):
    """Give a member a role (the partner contact role on approval, or when the representative joins
    later). UNKNOWN_MEMBER if they are not in the guild."""


@register("role.revoke", kind=Kind.COMMAND)
class RoleRevoke(RoleCommand):
    """Take a role away (the contact role when a partnership ends)."""


@register("dm.send", kind=Kind.COMMAND)
class DmSend(Command):
    """Send a direct message (our advertisement on approval, a denial notice), no mentions allowed.
    FORBIDDEN_DM when the user does not accept DMs.

    messages: further messages sent after content, in order (e.g. our advertisement after its
    header, so the ad can be copied on its own). Nothing is ever cut: a text over Discord's 2,000
    characters goes out as several messages split at line breaks. Result: {"channel_id",
    "message_id"} (the first message).

    button: an optional persistent button under the last message (additive: older producers omit it)."""

    user_id: Snowflake
    content: str
    messages: list[str] = Field(default_factory=list)
    refs: CommandRefs = Field(default_factory=CommandRefs)
    button: DmButton | None = None


@register("interaction.followup", kind=Kind.COMMAND)
class InteractionFollowup(Command):
    """Answer an application made through an interaction (application.submitted's reply): accepted
    into the queue, or the typed refusal in plain words. application_id is the bot's Discord
    application id, token the interaction token (valid 15 minutes: NOT_FOUND after); refs names the
    api's application record, if any."""

    application_id: Snowflake
    token: str
    content: str
    ephemeral: bool = True
    refs: CommandRefs = Field(default_factory=CommandRefs)


@register("ticket.close", kind=Kind.COMMAND)
class TicketClose(Command):
    """Post a message in an application ticket thread, then (archive=true) lock and archive it.

    archive=false posts without closing: the "queued" notice, after which the applicant and staff
    can still talk in the ticket until the decision closes it."""

    thread_id: Snowflake
    content: str | None = None
    archive: bool = True


@register("panel.post", kind=Kind.COMMAND)
class PanelPost(Command):
    """Post the persistent "Apply for partnership" button panel in a channel. Result:
    {"channel_id", "message_id"}."""

    channel_id: Snowflake


@register("partnership.confirm.ask", kind=Kind.COMMAND)
class ConfirmAsk(Command):
    """CONFIRM flow: DM the representative that the guild accepted their request for partner, what
    happens next, and two persistent buttons, Continue and No thanks (their clicks come back as
    partnership.answer). expires_at: when the offer ends unanswered. FORBIDDEN_DM when the user does
    not accept DMs. Result: {"channel_id", "message_id"}."""

    partnership_id: str
    user_id: Snowflake
    partner: PartnerServer
    expires_at: UtcDateTime


@register("log.post", kind=Kind.COMMAND)
class LogPost(Command):
    """Tell staff something in the guild's log channel (a partner's answer, ...), no mentions
    allowed. Result: {"channel_id", "message_id"}."""

    channel_id: Snowflake
    content: str
    partnership_id: str | None = None


@register("showcase.edit", kind=Kind.COMMAND)
class ShowcaseEdit(PlacedShowcaseCommand):
    """Edit a partner's showcase post in place after updatePartnership (never re-post): the message at
    placement (SINGLE_CHANNEL: in the channel; CHANNEL_PER_PARTNER: the ad in the partner's channel;
    FORUM_PER_PARTNER: the thread's starter message, and the thread's title becomes the partner's
    name). A post that is gone -> NOT_FOUND (nothing is posted instead). Result: {}."""

    partner: PartnerServer
    advertisement: str


@register("partner.check", kind=Kind.COMMAND)
class PartnerCheck(Command):
    """Resolve a partner's own invite and report what Discord says of its server: the recurring health
    check, checkPartnershipHealth, and a manual partner right after createPartnership or an inviteCode
    edit. An invite that does not resolve is a result, not a failure. Result: {"resolved": bool,
    "guild_id", "name", "icon_url", "member_count"} (the last four null when not resolved). Low
    priority on the node: user-facing commands go first and checks stay within the node's budget."""

    partnership_id: str
    invite_code: str


@register("staff.notify", kind=Kind.COMMAND)
class StaffNotify(Command):
    """Post a notice for staff in the log channel (health problems, a stale queue). No mentions
    allowed, except ping_role_id when given (the review role, for a stale queue)."""

    channel_id: Snowflake
    content: str
    ping_role_id: Snowflake | None = None
    partnership_id: str | None = None
