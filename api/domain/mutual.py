"""Mutual partnerships between two servers that both run the bot: who runs it, the reciprocity one
side sees, the reverse request, and when NOT_RECIPROCATED opens and closes. Pure rules, no I/O.

A server "runs the bot" when the bot is in it and its settings have `mutualPartnerships` on. When A
starts a partnership with B and B runs the bot, the API files the reverse request (source MUTUAL) in
B's queue, with A's own advertisement carrying A's tracked invite for B, so joins into A through B's
showcase count for A's partnership with B.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from . import advertising
from .enums import Reciprocity
from .models import GuildSettings, PartnerServer, Partnership, Problem

NOT_RECIPROCATED = "NOT_RECIPROCATED"  # the HealthIssue name, used as a Partnership problem code
# Not a HealthIssue: the reverse request could not be filed (the partner's rules refused it). Shown on
# our partnership so staff see why no mutual partnership follows; cleared when a later request is filed.
MUTUAL_REQUEST_REFUSED = "MUTUAL_REQUEST_REFUSED"


def runs_bot(bot_present: bool, settings: GuildSettings | None) -> bool:
    """The bot is in the guild and the guild's partnership settings exist with mutualPartnerships on."""
    return bot_present and settings is not None and settings.mutual_partnerships


def reciprocity(partner_runs_bot: bool, partner_showcases_us: bool) -> Reciprocity:
    """YES while the partner runs the bot and has an ACTIVE partnership with us; NO when it runs the bot
    and has not (never approved, ended, denied); UNKNOWN when it does not run the bot."""
    if not partner_runs_bot:
        return Reciprocity.UNKNOWN
    return Reciprocity.YES if partner_showcases_us else Reciprocity.NO


def pair_key(guild_a: int, guild_b: int) -> str:
    """The link's key: the unordered pair {A, B}, the same string whichever side computes it."""
    low, high = sorted((guild_a, guild_b))
    return f"{low}:{high}"


class ProblemChange(StrEnum):
    OPEN = "OPEN"
    CLOSE = "CLOSE"


def not_reciprocated_change(seen: Reciprocity, is_open: bool) -> ProblemChange | None:
    """NOT_RECIPROCATED opens when the partner runs the bot and no longer showcases us, and closes once
    it does again (or no longer runs the bot: then nothing can be verified, so nothing is held against it)."""
    if seen is Reciprocity.NO and not is_open:
        return ProblemChange.OPEN
    if seen is not Reciprocity.NO and is_open:
        return ProblemChange.CLOSE
    return None


def not_reciprocated(partner_name: str, at: datetime) -> Problem:
    return Problem(
        action="mutual",
        code=NOT_RECIPROCATED,
        message=f"{partner_name} runs this bot and no longer showcases our advertisement.",
        at=at,
    )


def grace_ends_at(problem: Problem, settings: GuildSettings) -> datetime:
    """The usual grace period (healthGraceHours) counted from when the problem opened."""
    return problem.at + timedelta(hours=settings.health_grace_hours)


def open_since(partnership: Partnership, code: str = NOT_RECIPROCATED) -> datetime | None:
    times = [p.at for p in partnership.problems if p.code == code]
    return min(times) if times else None


def request_refused(partner_name: str, reason: str, at: datetime) -> Problem:
    """Plain words for our staff: why the reverse request could not be filed in the partner's queue."""
    return Problem(
        action="mutual",
        code=MUTUAL_REQUEST_REFUSED,
        message=f"{partner_name} also runs this bot, but our request to be showcased there was refused: {reason}",
        at=at,
    )


@dataclass(frozen=True, slots=True)
class ReverseRequest:
    """What B's queue receives: A as the partner, A's approving staff member as representative, and
    A's advertisement with A's tracked invite for this partnership."""

    partner: PartnerServer
    representative_id: int
    advertisement: str


# The name B's staff see when the bot has no directory for A yet (A's shard never reported it): words,
# never A's raw id. The request carries A's tracked invite, which shows the server itself.
NAME_NOT_SEEN = "A server using this bot (its name was not reported yet)"


def reverse_request(
    ours: Partnership,
    our_settings: GuildSettings,
    our_name: str,
    our_icon_url: str | None,
    our_member_count: int | None,
    tracked_invite_code: str,
    approved_by: int | None,
) -> ReverseRequest | str:
    """The reverse request of `ours`, or the reason (plain words) none can be filed."""
    if approved_by is None:
        return "no staff member approved this partnership to represent our server."
    if not our_settings.advertisement:
        return "our server has no advertisement set (settings: advertisement)."
    partner = PartnerServer(
        id=ours.guild_id,
        name=our_name,
        icon_url=our_icon_url,
        member_count=our_member_count,
        invite_code=tracked_invite_code,
    )
    ad = advertising.with_invite(our_settings.advertisement, tracked_invite_code)
    return ReverseRequest(partner, approved_by, ad)
