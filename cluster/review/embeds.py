"""The review post: one embed per application, edited in place when staff decide.

Pending::

    [icon]  <partner server name>                       (title; thumbnail: the server's icon)
    <the advertisement>                                 (description, clipped to 4,096 characters)
    Members: 1,234 | Invite: discord.gg/abc | Partnership Representative: <@id> | Source: DM
    Status: Pending: react 👍 to accept, 👎 to deny

Decided: the colour changes (green / red / grey), Status reads "**ACCEPTED** by <@id>", "**DENIED**
automatically" or "**WITHDRAWN** by the representative", and a Reason field is added when there is one. Mentions inside an embed never ping,
so the representative's mention and anything in the ad are safe there.
"""

from __future__ import annotations

import discord

from bus.contracts.commands import ReviewPost
from bus.contracts.common import ApplicationSource, ReviewStatus
from cluster.message_text import clip, invite_markdown

APPROVE = "👍"
DENY = "👎"
EMOJIS = (APPROVE, DENY)

PENDING_COLOUR = discord.Colour(0xF1C40F)
ACCEPTED_COLOUR = discord.Colour(0x2ECC71)
DENIED_COLOUR = discord.Colour(0xE74C3C)
WITHDRAWN_COLOUR = discord.Colour(0x95A5A6)
COLOURS = {
    ReviewStatus.APPROVED: ACCEPTED_COLOUR,
    ReviewStatus.DENIED: DENIED_COLOUR,
    ReviewStatus.WITHDRAWN: WITHDRAWN_COLOUR,
}
WORDS = {ReviewStatus.APPROVED: "ACCEPTED", ReviewStatus.DENIED: "DENIED", ReviewStatus.WITHDRAWN: "WITHDRAWN"}

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 1024

STATUS = "Status"
REASON = "Reason"
PENDING_TEXT = f"Pending: react {APPROVE} to accept, {DENY} to deny"

PROPOSAL_TEXT = "New advertisement for an active partnership (/ppartner ad)"
SOURCES = {
    ApplicationSource.SLASH: "Slash command (/ppartner apply)",
    ApplicationSource.PANEL: "Application panel",
    ApplicationSource.TICKET: "Ticket",
    ApplicationSource.DM: "Direct message ($partnership)",
    ApplicationSource.MUTUAL: "Mutual partnership (the server partnered with you)",
}


def _image_url(url: str | None) -> str | None:
    # Discord refuses an embed whose image URL is not http(s): a bad icon must not lose the post.
    return url if url and url.startswith(("https://", "http://")) else None


def review_embed(cmd: ReviewPost) -> discord.Embed:
    partner = cmd.partner
    embed = discord.Embed(
        title=clip(partner.name, TITLE_LIMIT) or "Partner server",
        description=clip(cmd.advertisement, DESCRIPTION_LIMIT) or None,
        colour=PENDING_COLOUR,
    )
    icon = _image_url(partner.icon_url)
    if icon:
        embed.set_thumbnail(url=icon)
    members = f"{partner.member_count:,}" if partner.member_count is not None else "unknown"
    embed.add_field(name="Members", value=members, inline=True)
    embed.add_field(name="Invite", value=invite_markdown(partner.invite_code), inline=True)
    embed.add_field(name="Partnership Representative", value=f"<@{cmd.representative_id}>", inline=True)
    if cmd.proposal_for is not None:  # a new ad proposed for an active partnership, not an application
        embed.add_field(name="Change", value=PROPOSAL_TEXT, inline=True)
    else:
        embed.add_field(name="Source", value=SOURCES.get(cmd.source, str(cmd.source)), inline=True)
    embed.add_field(name=STATUS, value=PENDING_TEXT, inline=False)
    embed.set_footer(text=f"Partner server id {partner.id}")
    return embed


def decision_text(status: ReviewStatus, decided_by: str | None) -> str:
    word = WORDS.get(ReviewStatus(status), "DENIED")
    if status == ReviewStatus.WITHDRAWN:
        return f"**{word}** by the representative"
    who = f"by <@{decided_by}>" if decided_by else "automatically"
    return f"**{word}** {who}"


def decided_embed(
    embed: discord.Embed | None, status: ReviewStatus, decided_by: str | None, reason: str | None
) -> discord.Embed:
    """The review embed showing the decision. Replaces the Status and Reason fields rather than adding
    to them, so applying one decision twice (a redelivered command) gives the same embed."""
    embed = embed.copy() if embed is not None else discord.Embed(title="Partnership application")
    embed.colour = COLOURS.get(ReviewStatus(status), DENIED_COLOUR)
    kept = [f for f in embed.fields if f.name not in (STATUS, REASON)]
    embed.clear_fields()
    for field in kept:
        embed.add_field(name=field.name, value=field.value, inline=field.inline)
    embed.add_field(name=STATUS, value=decision_text(status, decided_by), inline=False)
    if reason and reason.strip():
        embed.add_field(name=REASON, value=clip(reason.strip(), FIELD_LIMIT), inline=False)
    # Keep within Discord's 6,000-character total: the ad gives way first.
    overflow = len(embed) - 6000
    if overflow > 0 and embed.description:
        embed.description = clip(embed.description, max(len(embed.description) - overflow, 1))
    return embed


def member_permissions(guild: discord.Guild, user_id: int, role_ids: list[int]) -> int:
    """The member's guild-level permission bitfield, as Discord computes it: the owner has all;
    otherwise @everyone's permissions OR'd with each of the member's roles' (from the guild's cached
    roles), and ADMINISTRATOR implies all."""
    if guild.owner_id == user_id:
        return discord.Permissions.all().value
    value = guild.default_role.permissions.value
    for role_id in role_ids:
        role = guild.get_role(role_id)
        if role is not None:
            value |= role.permissions.value
    if value & discord.Permissions(administrator=True).value:
        return discord.Permissions.all().value
    return value
