"""Text rules for anything the bot posts: Discord's length limits, clipping that never breaks a
character, invite links that cannot smuggle markdown, and no mentions.

Nothing the bot posts may ping: every send passes ``NO_MENTIONS`` explicitly (the client default is the
same; being explicit keeps a later default change from turning ads into pings).
"""

from __future__ import annotations

import re
import unicodedata

import discord

NO_MENTIONS = discord.AllowedMentions.none()

CONTENT_LIMIT = 2000  # message content
ELLIPSIS = "…"
_ZWJ = "\u200d"

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


def split_whole(text: str, limit: int = CONTENT_LIMIT) -> list[str]:
    """``text`` as consecutive pieces of at most ``limit`` characters that together hold all of it
    (nothing cut): each piece ends at the last line break, else the last space, before the limit, and
    only a single word longer than the limit is split mid-word (never inside a character sequence)."""
    pieces: list[str] = []
    rest = text or ""
    while len(rest) > limit:
        cut = rest.rfind("\n", 1, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 1, limit + 1)
        if cut <= 0:
            cut = limit
            while cut > 1 and (_joins_previous(rest[cut]) or rest[cut - 1] == _ZWJ):
                cut -= 1
            pieces.append(rest[:cut])
            rest = rest[cut:]
            continue
        pieces.append(rest[:cut])
        rest = rest[cut + 1 :]  # the break itself separates the two messages
    if rest.strip():
        pieces.append(rest)
    return pieces


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
