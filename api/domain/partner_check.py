"""What a partner.check result means for the partner we know (no I/O).

The cluster resolves the partner's own invite; the partner is replaced by what Discord says (name,
icon, member count) when the invite leads to the partner's server, and is a problem otherwise:
PARTNER_INVITE_INVALID when it does not resolve, PARTNER_SERVER_GONE when it leads to another server.
The codes are the HealthIssue names, so the health model can read them from Partnership.problems.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .models import PartnerServer, Problem
from .text import MAX_NAME, clean_text

PARTNER_INVITE_INVALID = "PARTNER_INVITE_INVALID"
PARTNER_SERVER_GONE = "PARTNER_SERVER_GONE"
CHECK_PROBLEMS = (PARTNER_INVITE_INVALID, PARTNER_SERVER_GONE)


@dataclass(frozen=True, slots=True)
class CheckVerdict:
    partner: PartnerServer | None  # the partner as Discord describes it; None when there is a problem
    problem: str | None = None


def judge(partner: PartnerServer, result: dict[str, Any]) -> CheckVerdict:
    if not result.get("resolved"):
        return CheckVerdict(None, PARTNER_INVITE_INVALID)
    if str(result.get("guild_id")) != str(partner.id):
        return CheckVerdict(None, PARTNER_SERVER_GONE)
    name = clean_text(str(result.get("name") or "")).strip()[:MAX_NAME] or partner.name
    count = result.get("member_count")
    return CheckVerdict(
        dataclasses.replace(
            partner,
            name=name,
            icon_url=result.get("icon_url") or None,
            member_count=count if isinstance(count, int) and count >= 0 else partner.member_count,
        )
    )


def problem(code: str, partner: PartnerServer, at: datetime) -> Problem:
    message = {
        PARTNER_INVITE_INVALID: f"The partner's invite (discord.gg/{partner.invite_code}) no longer works.",
        PARTNER_SERVER_GONE: f"The partner's invite (discord.gg/{partner.invite_code}) leads to another server, "
        f"not {partner.name} ({partner.id}).",
    }[code]
    return Problem(action="partner.check", code=code, message=message, at=at)
