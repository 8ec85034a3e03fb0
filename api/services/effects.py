"""The Discord work a decision owes, as commands built from their models (`bus.contracts.commands`)
and sent to the guild's shard through the change's journal.

Each builder returns a list (empty when the guild's settings make the step moot), so a change
lists `*builder(...)` and never depends on what another builder returns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bus.contracts import ApplicationSource as WireSource
from bus.contracts import (
    CommandRefs,
    ConfirmAsk,
    DmButton,
    DmSend,
    InteractionFollowup,
    InteractionReply,
    InviteCreate,
    LogPost,
    PartnerCheck,
    Placement,
    ReviewPost,
    ReviewStatus,
    ReviewUpdate,
    RoleGrant,
    RoleRevoke,
    SettingsSync,
    ShowcaseEdit,
    ShowcasePost,
    ShowcaseRemove,
    StaffNotify,
    TicketClose,
)
from bus.contracts import PartnerServer as WirePartner

from ..domain import advertising
from ..domain.enums import ApplicationSource, ApprovalFlow, ReviewStyle, source_to_wire
from ..domain.models import AdProposal, Application, GuildSettings, PartnerServer, Partnership, ShowcasePlacement
from ..domain.models import ReviewPost as StoredReviewPost
from . import notices
from .journal import Outgoing, command


def wire_partner(p: PartnerServer) -> WirePartner:
    return WirePartner(
        id=p.id, name=p.name, icon_url=p.icon_url, member_count=p.member_count, invite_code=p.invite_code
    )


def wire_placement(p: ShowcasePlacement) -> Placement:
    return Placement(channel_id=p.channel_id, message_id=p.message_id, thread_id=p.thread_id)


def settings_sync(guild_id: int, s: GuildSettings) -> Outgoing:
    """The settings the cluster needs: the fields of the SettingsSync model, named as in GuildSettings."""
    return command(guild_id, SettingsSync(**{name: getattr(s, name) for name in SettingsSync.model_fields}))


def review_post(app: Application, s: GuildSettings) -> list[Outgoing]:
    buttons = s.review_style is ReviewStyle.BUTTONS
    return _review_post(app.guild_id, s, app.id, app, app.advertisement, source_to_wire(app.source), buttons=buttons)


def review_proposal(p: Partnership, proposal: AdProposal, s: GuildSettings) -> list[Outgoing]:
    """A proposed new ad is reviewed like an application: the same post with 👍 / 👎."""
    # The source is required on the wire; a proposal always comes from /ppartner ad.
    return _review_post(p.guild_id, s, proposal.id, p, proposal.advertisement, WireSource.SLASH, proposal_for=p.id)


def _review_post(guild_id: int, s: GuildSettings, item_id: str, of: Application | Partnership, advertisement: str,
                 source: WireSource, **extra: Any) -> list[Outgoing]:  # fmt: skip
    """The post staff review an application or a proposed ad on (`item_id`), for `of`'s partner."""
    if s.review_channel_id is None:
        return []  # dashboard-only review
    body = ReviewPost(
        application_id=item_id,
        channel_id=s.review_channel_id,
        ping_role_id=s.review_ping_role_id,
        partner=wire_partner(of.partner),
        representative_id=of.representative_id,
        advertisement=advertisement,
        source=source,
        **extra,
    )
    return [command(guild_id, body)]


def review_proposal_update(
    proposal: AdProposal, guild_id: int, status: ReviewStatus, decided_by: int | None, reason: str | None
) -> list[Outgoing]:
    return _review_update(guild_id, proposal.id, proposal.review, status, decided_by, reason)


def review_update(app: Application, status: ReviewStatus, decided_by: int | None, reason: str | None) -> list[Outgoing]:
    return _review_update(app.guild_id, app.id, app.review, status, decided_by, reason)


def _review_update(guild_id: int, item_id: str, review: StoredReviewPost | None, status: ReviewStatus,
                   decided_by: int | None, reason: str | None) -> list[Outgoing]:  # fmt: skip
    """Marks the review post of an application or a proposed ad as decided (nothing when none was posted)."""
    if review is None:
        return []
    body = ReviewUpdate(
        application_id=item_id,
        channel_id=review.channel_id,
        message_id=review.message_id,
        status=status,
        decided_by=decided_by,
        reason=reason,
    )
    return [command(guild_id, body)]


def tell_applicant(app: Application, content: str, ticket_thread_id: int | None = None) -> list[Outgoing]:
    """After a decision the interaction token may have expired (15 minutes), so the applicant is
    told by DM, or in their ticket, which is then closed."""
    if app.source is ApplicationSource.MANUAL:
        return []
    if app.source is ApplicationSource.TICKET and ticket_thread_id is not None:
        return [command(app.guild_id, TicketClose(thread_id=ticket_thread_id, content=content))]
    refs = CommandRefs(application_id=app.id)
    return [command(app.guild_id, DmSend(user_id=app.representative_id, content=content, refs=refs))]


def tell_representative(p: Partnership, content: str) -> list[Outgoing]:
    """A DM to the partnership's representative (their interaction has long expired)."""
    refs = CommandRefs(partnership_id=p.id)
    return [command(p.guild_id, DmSend(user_id=p.representative_id, content=content, refs=refs))]


def followup(guild_id: int, reply: InteractionReply, content: str) -> Outgoing:
    """The answer to a member's interaction (a click, a slash command), seen only by them. No refs: an
    expired token is no problem of the record the interaction was about."""
    body = InteractionFollowup(application_id=reply.application_id, token=reply.token, content=content)
    return command(guild_id, body)


def reply_to_submission(
    guild_id: int,
    reply: InteractionReply | None,
    representative_id: int,
    ticket_channel_id: int | None,
    content: str,
    closes: bool = False,
) -> Outgoing:
    """The answer to a fresh submission: the interaction follow-up when there is one, else the
    ticket thread, else a DM (the `$partnership` DM flow)."""
    if reply is not None:
        return followup(guild_id, reply, content)
    if ticket_channel_id is not None:
        # A fresh submission only gets a notice; the ticket stays open for questions until the decision.
        return command(guild_id, TicketClose(thread_id=ticket_channel_id, content=content, archive=closes))
    return command(guild_id, DmSend(user_id=representative_id, content=content))


def showcase_post(p: Partnership, s: GuildSettings, replace: ShowcasePlacement | None) -> list[Outgoing]:
    target = s.showcase_target_id
    if target is None:
        return []
    body = ShowcasePost(
        partnership_id=p.id,
        channel_mode=s.channel_mode,
        target_id=target,
        partner=wire_partner(p.partner),
        advertisement=p.advertisement,
        replace=None if replace is None else wire_placement(replace),
    )
    return [command(p.guild_id, body)]


def showcase_remove(p: Partnership, s: GuildSettings) -> list[Outgoing]:
    """Takes the ad down, where there is one."""
    if p.showcase is None:
        return []
    body = ShowcaseRemove(partnership_id=p.id, channel_mode=s.channel_mode, placement=wire_placement(p.showcase))
    return [command(p.guild_id, body)]


def contact_role_grant(guild_id: int, user_id: int, s: GuildSettings, partnership_id: str) -> list[Outgoing]:
    if s.partner_contact_role_id is None:
        return []
    body = RoleGrant(user_id=user_id, role_id=s.partner_contact_role_id, partnership_id=partnership_id)
    return [command(guild_id, body)]


def contact_role_revoke(p: Partnership, s: GuildSettings) -> list[Outgoing]:
    if s.partner_contact_role_id is None:
        return []
    body = RoleRevoke(user_id=p.representative_id, role_id=s.partner_contact_role_id, partnership_id=p.id)
    return [command(p.guild_id, body)]


def on_approval(app: Application, p: Partnership, s: GuildSettings, expires_at: datetime | None) -> list[Outgoing]:
    """What approval sends, by the guild's approvalFlow: DIRECT exchanges ads at once (the applicant
    is told, then `approval_effects`); CONFIRM only asks the representative (`confirm_ask`), and the
    exchange waits for their Continue (`api.services.confirmations`). The one place both flows meet."""
    if s.approval_flow is ApprovalFlow.CONFIRM and expires_at is not None:
        items = confirm_ask(p, expires_at)
        if app.source is ApplicationSource.TICKET and app.ticket_thread_id is not None:
            items += tell_applicant(app, notices.confirm_in_dm(app), app.ticket_thread_id)
        return items
    return [*tell_applicant(app, notices.approved(app), app.ticket_thread_id), *approval_effects(p, s)]


def confirm_ask(p: Partnership, expires_at: datetime) -> list[Outgoing]:
    """The DM with Continue / No thanks (sent again by `resendConfirmation`)."""
    body = ConfirmAsk(
        partnership_id=p.id, user_id=p.representative_id, partner=wire_partner(p.partner), expires_at=expires_at
    )
    return [command(p.guild_id, body)]


def tell_staff(guild_id: int, s: GuildSettings, content: str, partnership_id: str | None = None) -> list[Outgoing]:
    """A line for staff in the log channel (else the review channel); nothing when neither is set."""
    target = s.log_target_id
    if target is None:
        return []
    return [command(guild_id, LogPost(channel_id=target, content=content, partnership_id=partnership_id))]


def approval_effects(p: Partnership, s: GuildSettings) -> list[Outgoing]:
    """The exchange of ads: their ad showcased, the tracked invite, the contact role. DIRECT: on
    approval; CONFIRM: once the representative said Continue. Our advertisement is not sent here: it
    carries the partner's tracked invite, so it goes out when invite.create has completed
    (`our_advertisement`, from the invite's command.completed, for an ACTIVE partnership only). When
    the invite exists already (it completed while the offer awaited the partner's Continue), it is not
    made again and our advertisement goes now."""
    if p.tracked_invite_code is not None:
        invite = our_advertisement(p, s, p.tracked_invite_code, replaced=False)
    else:
        invite = [tracked_invite_create(p)]
    return [
        *showcase_post(p, s, replace=None),
        *invite,
        *contact_role_grant(p.guild_id, p.representative_id, s, p.id),
    ]


def tracked_invite_create(p: Partnership) -> Outgoing:
    return command(p.guild_id, InviteCreate(partnership_id=p.id))


def our_advertisement(p: Partnership, s: GuildSettings, invite_code: str, replaced: bool) -> list[Outgoing]:
    """Our advertisement with the representative's tracked invite in it (`advertising.with_invite`): a
    header, then the ad as a message of its own so nothing is cut and it can be copied whole. Without
    an advertisement set, a new invite (ours was deleted) is still sent on its own."""
    refs = CommandRefs(partnership_id=p.id)
    if s.advertisement:
        ad = advertising.with_invite(s.advertisement, invite_code)
        body = DmSend(
            user_id=p.representative_id, content=notices.our_advertisement(replaced), messages=[ad], refs=refs
        )
    elif replaced:
        content = notices.new_tracked_invite(advertising.invite_url(invite_code))
        body = DmSend(user_id=p.representative_id, content=content, refs=refs)
    else:
        return []
    return [command(p.guild_id, body)]


def showcase_edit(p: Partnership, s: GuildSettings) -> list[Outgoing]:
    """Edits the posted ad in place (nothing to edit before it is posted: the post will carry the new text)."""
    if p.showcase is None or p.showcase.message_id is None:
        return []
    body = ShowcaseEdit(
        partnership_id=p.id,
        channel_mode=s.channel_mode,
        placement=wire_placement(p.showcase),
        partner=wire_partner(p.partner),
        advertisement=p.advertisement,
    )
    return [command(p.guild_id, body)]


def tell(p: Partnership, user_id: int, content: str, button: DmButton | None = None) -> Outgoing:
    refs = CommandRefs(partnership_id=p.id)
    return command(p.guild_id, DmSend(user_id=user_id, content=content, refs=refs, button=button))


def end_effects(p: Partnership, s: GuildSettings) -> list[Outgoing]:
    return [*showcase_remove(p, s), *contact_role_revoke(p, s)]


def staff_notice(guild_id: int, s: GuildSettings, content: str, *, ping_review_role: bool = False,
                 partnership_id: str | None = None) -> list[Outgoing]:  # fmt: skip
    """A notice in the log channel (else the review channel); none when the guild has neither."""
    channel = s.log_target_id
    if channel is None:
        return []
    ping = s.review_ping_role_id if ping_review_role else None
    body = StaffNotify(channel_id=channel, content=content, ping_role_id=ping, partnership_id=partnership_id)
    return [command(guild_id, body)]


def partner_check(p: Partnership) -> Outgoing:
    """Ask the cluster what the partner's invite leads to now; HealthService applies the answer."""
    return command(p.guild_id, PartnerCheck(partnership_id=p.id, invite_code=p.partner.invite_code))
