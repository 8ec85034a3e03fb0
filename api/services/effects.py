"""The Discord work a decision owes, as journal command items (sent to the guild's shard)."""

from __future__ import annotations

from typing import Any

from ..domain.enums import ApplicationSource
from ..domain.models import Application, GuildSettings, PartnerServer, Partnership, ShowcasePlacement
from ..store.documents import partner_to_doc, sid
from . import journal_items as J
from . import notices


def _partner(p: PartnerServer) -> dict[str, Any]:
    return partner_to_doc(p)


def _placement(p: ShowcasePlacement) -> dict[str, Any]:
    return {"channel_id": sid(p.channel_id), "message_id": sid(p.message_id), "thread_id": sid(p.thread_id)}


def settings_sync(guild_id: int, s: GuildSettings) -> dict[str, Any]:
    return J.command(
        "settings.sync",
        guild_id,
        {
            "application_mode": s.application_mode.value,
            "channel_mode": s.channel_mode.value,
            "showcase_channel_id": sid(s.showcase_channel_id),
            "showcase_category_id": sid(s.showcase_category_id),
            "showcase_forum_id": sid(s.showcase_forum_id),
            "review_channel_id": sid(s.review_channel_id),
            "review_ping_role_id": sid(s.review_ping_role_id),
            "ticket_channel_id": sid(s.ticket_channel_id),
            "manager_role_ids": [str(r) for r in s.manager_role_ids],
            "partner_contact_role_id": sid(s.partner_contact_role_id),
            "track_joins": s.track_joins,
            "advertisement": s.advertisement,
        },
    )


def review_post(app: Application, s: GuildSettings) -> list[dict[str, Any]]:
    if s.review_channel_id is None:
        return []  # dashboard-only review
    return [
        J.command(
            "review.post",
            app.guild_id,
            {
                "application_id": app.id,
                "channel_id": str(s.review_channel_id),
                "ping_role_id": sid(s.review_ping_role_id),
                "partner": _partner(app.partner),
                "representative_id": str(app.representative_id),
                "advertisement": app.advertisement,
                "source": app.source.value,
            },
        )
    ]


def review_update(app: Application, status: str, decided_by: int | None, reason: str | None) -> list[dict[str, Any]]:
    if app.review is None:
        return []
    return [
        J.command(
            "review.update",
            app.guild_id,
            {
                "application_id": app.id,
                "channel_id": str(app.review.channel_id),
                "message_id": str(app.review.message_id),
                "status": status,
                "decided_by": sid(decided_by),
                "reason": reason,
            },
        )
    ]


def tell_applicant(app: Application, content: str, ticket_thread_id: int | None = None) -> list[dict[str, Any]]:
    """After a decision the interaction token may have expired (15 minutes), so the applicant is
    told by DM, or in their ticket, which is then closed."""
    if app.source is ApplicationSource.MANUAL:
        return []
    if app.source is ApplicationSource.TICKET and ticket_thread_id is not None:
        return [J.command("ticket.close", app.guild_id, {"thread_id": str(ticket_thread_id), "content": content})]
    refs = {"application_id": app.id}
    return [
        J.command("dm.send", app.guild_id, {"user_id": str(app.representative_id), "content": content, "refs": refs})
    ]


def reply_to_submission(
    guild_id: int,
    reply: dict[str, Any] | None,
    representative_id: int,
    ticket_channel_id: int | None,
    content: str,
    closes: bool = False,
) -> dict[str, Any]:
    """The answer to a fresh submission: the interaction follow-up when there is one, else the
    ticket thread, else a DM (the `$partnership` DM flow)."""
    if reply is not None:
        data = {
            "application_id": reply["application_id"],
            "token": reply["token"],
            "content": content,
            "ephemeral": True,
        }
        return J.command("interaction.followup", guild_id, data)
    if ticket_channel_id is not None:
        # A fresh submission only gets a notice; the ticket stays open for questions until the decision.
        data = {"thread_id": str(ticket_channel_id), "content": content, "archive": closes}
        return J.command("ticket.close", guild_id, data)
    return J.command("dm.send", guild_id, {"user_id": str(representative_id), "content": content})


def showcase_post(p: Partnership, s: GuildSettings, replace: ShowcasePlacement | None) -> list[dict[str, Any]]:
    target = s.showcase_target_id
    if target is None:
        return []
    data = {
        "partnership_id": p.id,
        "channel_mode": s.channel_mode.value,
        "target_id": str(target),
        "partner": _partner(p.partner),
        "advertisement": p.advertisement,
        "replace": None if replace is None else _placement(replace),
    }
    return [J.command("showcase.post", p.guild_id, data)]


def approval_effects(p: Partnership, s: GuildSettings) -> list[dict[str, Any]]:
    items = showcase_post(p, s, replace=None)
    items.append(J.command("invite.create", p.guild_id, {"partnership_id": p.id, "channel_id": None}))
    if s.partner_contact_role_id is not None:
        items.append(
            J.command(
                "role.grant",
                p.guild_id,
                {
                    "user_id": str(p.representative_id),
                    "role_id": str(s.partner_contact_role_id),
                    "partnership_id": p.id,
                },
            )
        )
    if s.advertisement:
        content = notices.our_advertisement(s.advertisement)
        refs = {"partnership_id": p.id}
        items.append(
            J.command("dm.send", p.guild_id, {"user_id": str(p.representative_id), "content": content, "refs": refs})
        )
    return items


def end_effects(p: Partnership, s: GuildSettings) -> list[dict[str, Any]]:
    items = []
    if p.showcase is not None:
        data = {"partnership_id": p.id, "channel_mode": s.channel_mode.value, "placement": _placement(p.showcase)}
        items.append(J.command("showcase.remove", p.guild_id, data))
    if s.partner_contact_role_id is not None:
        items.append(
            J.command(
                "role.revoke",
                p.guild_id,
                {
                    "user_id": str(p.representative_id),
                    "role_id": str(s.partner_contact_role_id),
                    "partnership_id": p.id,
                },
            )
        )
    return items
