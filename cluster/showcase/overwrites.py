"""The permission overwrites of a partner's own channel (CHANNEL_PER_PARTNER), as Discord's documented
overwrite objects: ``{"id", "type": 0 role / 1 member, "allow", "deny"}`` with the bit sets as strings.

Explicit, rather than relying on how Discord treats a channel created with an empty overwrite list: the
category's overwrites, plus @everyone may not send (messages, and in threads), so the channel shows the
partner's ad and nothing else; the bot itself keeps View Channel and Send Messages there (a member
overwrite), or @everyone's deny would keep it from posting the ad.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import discord

ROLE, MEMBER = 0, 1
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_MESSAGES_IN_THREADS = 1 << 38
NO_SENDING = SEND_MESSAGES | SEND_MESSAGES_IN_THREADS
BOT_NEEDS = VIEW_CHANNEL | SEND_MESSAGES

Entry = tuple[int, int, int, int]  # (id, type, allow, deny)


def partner_channel_overwrites(category: Iterable[Entry], everyone_id: int, bot_id: int) -> list[dict[str, Any]]:
    """The category's overwrites with @everyone denied sending and the bot allowed to post."""
    entries: dict[tuple[int, int], list[int]] = {(i, t): [allow, deny] for i, t, allow, deny in category}
    everyone = entries.setdefault((everyone_id, ROLE), [0, 0])
    everyone[0] &= ~NO_SENDING
    everyone[1] |= NO_SENDING
    bot = entries.setdefault((bot_id, MEMBER), [0, 0])
    bot[0] |= BOT_NEEDS
    bot[1] &= ~BOT_NEEDS
    return [
        {"id": str(i), "type": t, "allow": str(allow), "deny": str(deny)} for (i, t), (allow, deny) in entries.items()
    ]


def category_entries(category: discord.CategoryChannel) -> list[Entry]:
    """A category's overwrites as (id, type, allow, deny); members not in the cache come as Objects."""
    entries = []
    for target, overwrite in category.overwrites.items():
        allow, deny = overwrite.pair()
        is_role = isinstance(target, discord.Role) or getattr(target, "type", None) is discord.Role
        entries.append((target.id, ROLE if is_role else MEMBER, allow.value, deny.value))
    return entries
