"""Our advertisement as the representative receives it: with their tracked invite in it.

`{invite}` in the guild's `advertisement` setting is replaced by the tracked invite's URL; an ad
without the placeholder gets the URL on a line of its own under it. No I/O.
"""

from __future__ import annotations

import re

from .models import Partnership, Problem

INVITE_PLACEHOLDER = "{invite}"
TRACKED_INVITE_DELETED = "TRACKED_INVITE_DELETED"  # the HealthIssue name, used as a Partnership problem code

_INVITE_CODE = re.compile(r"^[A-Za-z0-9-]{1,100}$")


def invite_url(code: str) -> str:
    """https://discord.gg/<code>. The code comes from Discord (invite.create's result), never from a
    partner, but is checked anyway so it cannot carry markdown into the DM."""
    if not _INVITE_CODE.match(code):
        raise ValueError(f"not an invite code: {code!r}")
    return f"https://discord.gg/{code}"


def with_invite(advertisement: str, invite_code: str) -> str:
    """The ad with every `{invite}` replaced by the invite's URL, or the URL on its own line under it."""
    url = invite_url(invite_code)
    if INVITE_PLACEHOLDER in advertisement:
        return advertisement.replace(INVITE_PLACEHOLDER, url)
    return f"{advertisement.rstrip()}\n{url}"


def tracked_invite_deleted(code: str, at) -> Problem:
    """The problem shown on a partnership from the moment its tracked invite is found deleted until
    a new one is stored (and sent to the representative)."""
    return Problem(
        action="invite.create",
        code=TRACKED_INVITE_DELETED,
        message=f"Our tracked invite for this partner (discord.gg/{code}) was deleted in Discord; "
        "a new one is being made and will be sent to the representative.",
        at=at,
    )


def tracked_invite_deleted_since(partnership: Partnership):
    """When the open TRACKED_INVITE_DELETED problem began, or None: for the health model to read."""
    times = [p.at for p in partnership.problems if p.code == TRACKED_INVITE_DELETED]
    return min(times) if times else None
