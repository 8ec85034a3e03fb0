"""Turning what an applicant typed into a server: invite parsing and resolution (``GET /invites/{code}``).

The partner server is identified by the guild id its invite resolves to (a vanity and a normal invite
of one server are the same partner), with its name, icon and approximate member count.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum

import discord

from bus.contracts.common import PartnerServer

log = logging.getLogger(__name__)

# discord.gg/<code>, discord.com/invite/<code>, discordapp.com/invite/<code>, with or without scheme
# and www, optionally wrapped in <...> (how users stop Discord from embedding a link), with a query.
_URL = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:discord\.gg|(?:ptb\.|canary\.)?discord(?:app)?\.com/invite)/"
    r"(?P<code>[A-Za-z0-9-]{2,32})/?(?:\?\S*)?$",
    re.IGNORECASE,
)
_BARE = re.compile(r"^[A-Za-z0-9-]{2,32}$")


def _unwrap(text: str) -> str:
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    return text


def invite_code_from_url(text: str) -> str | None:
    """The code of an invite link (``https://discord.gg/abc``, ``discord.com/invite/abc``...), else None."""
    found = _URL.match(_unwrap(text))
    return found.group("code") if found else None


def parse_invite_code(text: str) -> str | None:
    """The invite code in ``text``: an invite link, or a bare code (``abc123``, a vanity ``cool-server``).
    None when it cannot be one (spaces, other sites, empty)."""
    code = invite_code_from_url(text)
    if code is not None:
        return code
    bare = _unwrap(text)
    return bare if _BARE.match(bare) else None


class InviteProblem(StrEnum):
    MALFORMED = "MALFORMED"  # not an invite link or code at all
    UNKNOWN = "UNKNOWN"  # Discord does not know it: invalid, expired or deleted
    NOT_A_SERVER = "NOT_A_SERVER"  # a group DM invite (no guild)
    UNAVAILABLE = "UNAVAILABLE"  # Discord failed to answer (5xx after discord.py's retries, ...)


class InviteError(Exception):
    def __init__(self, problem: InviteProblem, code: str | None = None) -> None:
        super().__init__(f"{problem.value}: {code!r}")
        self.problem = problem
        self.code = code


@dataclass(frozen=True)
class ResolvedServer:
    """The server an invite points at."""

    id: int
    name: str
    icon_url: str | None
    member_count: int | None
    invite_code: str

    def as_partner(self) -> PartnerServer:
        return PartnerServer(
            id=str(self.id),
            name=self.name,
            icon_url=self.icon_url,
            member_count=self.member_count,
            invite_code=self.invite_code,
        )


async def resolve_invite(client: discord.Client, text: str) -> ResolvedServer:
    """Resolve an invite link or code with its counts; raises InviteError in every other case."""
    code = parse_invite_code(text)
    if code is None:
        raise InviteError(InviteProblem.MALFORMED)
    try:
        invite = await client.fetch_invite(code, with_counts=True)
    except discord.NotFound:
        raise InviteError(InviteProblem.UNKNOWN, code) from None
    except discord.HTTPException as exc:
        if exc.status >= 500 or exc.status == 429:
            log.warning("resolving invite %r: Discord answered %s", code, exc.status)
            raise InviteError(InviteProblem.UNAVAILABLE, code) from None
        # 400 / 403: Discord refuses this code (e.g. a malformed one that passed our check)
        raise InviteError(InviteProblem.UNKNOWN, code) from None
    guild = invite.guild
    name = getattr(guild, "name", None)
    if guild is None or not name:
        raise InviteError(InviteProblem.NOT_A_SERVER, code)
    icon = getattr(guild, "icon", None)
    return ResolvedServer(
        id=guild.id,
        name=name,
        icon_url=icon.url if icon is not None else None,
        member_count=invite.approximate_member_count,
        invite_code=invite.code or code,
    )
