"""The ``$partnership`` direct-message command: its syntax and parser.

    $partnership <your server's invite> <server you apply to> [your advertisement...]

- your server's invite: an invite link (``https://discord.gg/abc123``) or a bare code (``abc123``);
  it identifies the partner server, exactly like the invite field of the slash form.
- the server you apply to: its id (a snowflake, 15-21 digits) or an invite link to it. A DM has no
  guild, and the bot serves many: it cannot guess the target (no member cache, and mutual guilds are
  not visible to a bot), so the applicant names it. Only an id or an invite *link* is accepted there,
  never a bare word, so a forgotten target is reported as such instead of taking the ad's first word
  for an invite code.
- the advertisement: everything after the second argument, line breaks kept. It may be empty: the api
  refuses an empty ad with its own reason, which it sends back by DM.
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
    target_invite: str | None  # ...or by an invite code (exactly one of the two is set)
    advertisement: str


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


def parse_dm(content: str) -> DmApplication:
    """Parse a ``$partnership`` message (check ``is_partnership_command`` first)."""
    found = _HEAD.match(content or "")
    if not found or found.group("cmd").lower() != COMMAND:
        raise DmUsageError("That is not a `$partnership` request.")
    partner, rest = _next_token(found.group("rest"))
    if partner is None:
        raise DmUsageError("Tell me your server's invite and the server you want to partner with.")
    partner_code = parse_invite_code(partner)
    if partner_code is None:
        raise DmUsageError("The first part must be an invite to your server, like https://discord.gg/abc123.")
    target, rest = _next_token(rest)
    if target is None:
        raise DmUsageError(
            "Tell me which server you want to partner with: add its server id or an invite link to it "
            "after your own invite."
        )
    target_id: int | None = None
    target_code: str | None = None
    if _SNOWFLAKE.match(target):
        target_id = int(target)
    else:
        target_code = invite_code_from_url(target)
        if target_code is None:
            raise DmUsageError(
                "The second part must be the id of the server you want to partner with, or an invite link "
                "to it (like https://discord.gg/xyz789)."
            )
    return DmApplication(partner_code, target_id, target_code, rest.strip())
