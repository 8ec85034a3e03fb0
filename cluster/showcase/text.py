"""Text rules for what the bot posts: Discord's length limits, channel names, invite links, and the
shape of a showcase post.

Nothing the bot posts may ping: every send passes ``NO_MENTIONS`` explicitly (the client default is the
same; being explicit keeps a later default change from turning ads into pings).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import discord

from bus.contracts.common import PartnerServer

NO_MENTIONS = discord.AllowedMentions.none()

CONTENT_LIMIT = 2000  # message content
CHANNEL_NAME_LIMIT = 100  # channel and thread names
BUTTON_LABEL_LIMIT = 80
ELLIPSIS = "…"
_ZWJ = "\u200d"
_MARKER = "partner server id "  # in a partner channel's topic, followed by the partner server's id

_INVITE_CODE = re.compile(r"^[A-Za-z0-9-]{1,100}$")


def clip(text: str | None, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in "…" when cut.

    Discord counts characters, not bytes; Python strings index code points, so a cut never splits a
    UTF-8 sequence. A cut inside a character sequence (a letter and its combining marks, an emoji and
    its modifiers or zero-width joiners) backs off to before the sequence."""
    text = text or ""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return text[:limit]
    cut = limit - len(ELLIPSIS)
    while cut > 0 and (_joins_previous(text[cut]) or text[cut - 1] == _ZWJ):
        cut -= 1
    return text[:cut].rstrip() + ELLIPSIS


def _joins_previous(char: str) -> bool:
    """Whether ``char`` belongs to the character before it (combining mark, variation selector, skin
    tone modifier, zero-width joiner)."""
    point = ord(char)
    return bool(unicodedata.combining(char)) or 0xFE00 <= point <= 0xFE0F or 0x1F3FB <= point <= 0x1F3FF or char == _ZWJ


def invite_url(code: str) -> str | None:
    """``https://discord.gg/<code>``, or None for a code that is not a plain invite code (it is shown,
    never turned into a link, so a crafted code cannot smuggle markdown or another URL in)."""
    return f"https://discord.gg/{code}" if _INVITE_CODE.match(code or "") else None


def invite_markdown(code: str) -> str:
    """The review embed's Invite field: ``[discord.gg/abc](https://discord.gg/abc)``."""
    url = invite_url(code)
    if url is None:  # shown as code: no markdown, no masked link
        shown = clip((code or "").replace("`", "'"), 100)
        return f"`{shown}`" if shown.strip() else "unknown"
    return f"[discord.gg/{code}]({url})"


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
