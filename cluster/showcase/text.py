"""Text rules of the showcase: channel names, partner-channel topics, forum titles, and the shape of a
showcase post (generic limits and clipping: ``cluster.message_text``)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import discord

from bus.contracts.common import PartnerServer
from cluster.message_text import CONTENT_LIMIT, NO_MENTIONS, clip, invite_url

CHANNEL_NAME_LIMIT = 100  # channel and thread names
BUTTON_LABEL_LIMIT = 80
_MARKER = "partner server id "  # in a partner channel's topic, followed by the partner server's id


def channel_slug(name: str, *, limit: int = CHANNEL_NAME_LIMIT) -> str:
    """A text-channel name for a partner server: lower case, letters and digits of any script kept,
    everything else folded into single hyphens, at most ``limit`` characters; "partner" if nothing is
    left (a name made only of emoji or punctuation)."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = re.sub(r"[\W_]+", "-", text).strip("-")
    return text[:limit].strip("-") or "partner"


def unique_channel_name(name: str, partner_id: int | str, taken: set[str]) -> str:
    """``channel_slug(name)``, or, when a channel of that name already exists next to it, the slug with
    the last digits of the partner server's id appended (unique-ish: two partners named alike differ)."""
    slug = channel_slug(name)
    if slug not in taken:
        return slug
    suffix = f"-{str(partner_id)[-4:]}"
    return channel_slug(name, limit=CHANNEL_NAME_LIMIT - len(suffix)) + suffix


def thread_title(name: str) -> str:
    """A forum post's title: the partner server's name, as is (threads allow any characters), clipped."""
    return clip((name or "").strip(), CHANNEL_NAME_LIMIT) or "Partner"


def partner_topic(partner: PartnerServer) -> str:
    """The topic of a partner's own channel. It starts with the partner server's id (so clipping a
    long name never cuts it): a bump finds the channel again by it (see ``is_partner_channel``)."""
    return clip(f"{_MARKER}{partner.id} · partnership with {partner.name}", 1024)


def is_partner_channel(topic: str | None, partner_id: int | str) -> bool:
    """Whether a channel's topic marks it as this partner's own channel."""
    return re.search(rf"{_MARKER}{partner_id}(?!\d)", topic or "") is not None


def has_partner_marker(topic: str | None) -> bool:
    """Whether a channel's topic marks it as some partner's own channel (created by the bot)."""
    return _MARKER in (topic or "")


def advertisement_message(partner: PartnerServer, advertisement: str) -> dict[str, Any]:
    """The keyword arguments of a showcase post (``channel.send(**kw)``, ``forum.create_thread(**kw)``).

    The ad is the message text, as the partner wrote it (ads are at most 2,000 characters, Discord's
    limit for a message), so it reads like any partnership ad; the partner's invite is a "Join" link
    button under it, which needs no room in the text and no interaction handling. No mentions allowed."""
    content = clip(advertisement.strip(), CONTENT_LIMIT) or clip(partner.name, CONTENT_LIMIT) or "Partner"
    kwargs: dict[str, Any] = {"content": content, "allowed_mentions": NO_MENTIONS}
    url = invite_url(partner.invite_code)
    if url is not None:
        view = discord.ui.View(timeout=None)
        label = clip(f"Join {partner.name}".strip(), BUTTON_LABEL_LIMIT)
        view.add_item(discord.ui.Button(style=discord.ButtonStyle.link, label=label, url=url))
        kwargs["view"] = view
    return kwargs
