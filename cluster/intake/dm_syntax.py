"""The ``$partnership`` direct-message command: its syntax and parser.

    $partnership <your server's invite> <server you apply to> [your advertisement...]

- your server's invite: an invite link (``https://discord.gg/abc123``) or a bare code (``abc123``);
  it identifies the partner server, exactly like the invite field of the slash form.
- the server you apply to: its id (a snowflake, 15-21 digits) or an invite link to it. A DM has no
  guild, and the bot serves many: it cannot guess the target (no member cache, and mutual guilds are
  not visible to a bot). Left out (the seed's own form, ``$partnership <server-invite>``), the node's
  ``DM_DEFAULT_GUILD_ID`` is the target, or the bot asks for it (``cluster.intake.dm_conversation``).
  Only an id or an invite *link* is accepted there, never a bare word, so a forgotten target is
  reported as such instead of taking the ad's first word for an invite code; with a default server
  every word after the invite is the advertisement instead.
- the advertisement: everything after the target, line breaks kept. It may be empty (the seed's form
  carries none: the PYS flow asks for the ad after approval).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cluster.intake.invites import invite_code_from_url, parse_invite_code

COMMAND = "$partnership"
_HEAD = re.compile(r"^\s*(?P<cmd>\S+)(?P<rest>.*)$", re.DOTALL)
_SNOWFLAKE = re.compile(r"^[0-9]{15,21}$")


class DmUsageError(Exception):
    """The message is a ``$partnership`` command but cannot be understood; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DmApplication:
    partner_invite: str  # the applicant's own server's invite code
    target_guild_id: int | None  # the server applied to, given by id...
    target_invite: str | None  # ...or by an invite code (at most one of the two is set; none: not named)
    advertisement: str

    @property
    def names_target(self) -> bool:
        return self.target_guild_id is not None or self.target_invite is not None


@dataclass(frozen=True)
class DmTarget:
    """The server a request is for, as the applicant named it: an id or an invite code."""

    guild_id: int | None
    invite: str | None


def parse_target(token: str) -> DmTarget | None:
    """A server id or an invite link (a bare word is not taken for an invite code); None otherwise."""
    token = token.strip()
    if _SNOWFLAKE.match(token):
        return DmTarget(int(token), None)
    code = invite_code_from_url(token)
    return None if code is None else DmTarget(None, code)


TARGET_HELP = (
    "The second part must be the id of the server you want to partner with, or an invite link "
    "to it (like https://discord.gg/xyz789)."
)


def is_partnership_command(content: str) -> bool:
    found = _HEAD.match(content or "")
    return bool(found) and found.group("cmd").lower() == COMMAND


def _next_token(text: str) -> tuple[str | None, str]:
    """The first whitespace-separated token of ``text`` and what follows it (leading blanks removed)."""
    text = text.lstrip()
    if not text:
        return None, ""
    parts = text.split(maxsplit=1)
    rest = parts[1] if len(parts) > 1 else ""
    return parts[0], rest


def parse_dm(content: str, *, default_target: bool = False) -> DmApplication:
    """Parse a ``$partnership`` message (check ``is_partnership_command`` first). ``default_target``:
    the node has a default server, so a message naming none applies to it and its words are the ad."""
    found = _HEAD.match(content or "")
    if not found or found.group("cmd").lower() != COMMAND:
        raise DmUsageError("That is not a `$partnership` request.")
    partner, rest = _next_token(found.group("rest"))
    if partner is None:
        raise DmUsageError("Tell me your server's invite and the server you want to partner with.")
    partner_code = parse_invite_code(partner)
    if partner_code is None:
        raise DmUsageError("The first part must be an invite to your server, like https://discord.gg/abc123.")
    target, after = _next_token(rest)
    if target is None:
        return DmApplication(partner_code, None, None, "")  # the seed's form: the target comes later
    named = parse_target(target)
    if named is None:
        if default_target:
            return DmApplication(partner_code, None, None, rest.strip())
        raise DmUsageError(TARGET_HELP)
    return DmApplication(partner_code, named.guild_id, named.invite, after.strip())
