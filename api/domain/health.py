"""Health of an ACTIVE partnership: which problems a check finds, when they open, close, remind and end.

Pure rules, no I/O. The cluster only reports facts (does the partner's invite resolve, to which
server, with how many members); `issues_found` turns them into problems, `after_check` and
`at_deadline` decide what changes and whom to tell. A problem opens with `since` and
`grace_ends_at` (`healthGraceHours` later), closes by itself when a later check no longer finds it,
and once past its grace makes the partnership FAILING, or with `autoEndUnhealthy` ends it.
`healthGraceHours` 0 means the first failed check is already past the grace.

TRACKED_INVITE_DELETED and NOT_RECIPROCATED are not a check's findings: the invite.deleted event
opens the first (`advertising.tracked_invite_deleted`) and storing the new invite closes it; the
partner's side of a mutual pair ending opens the second (`mutual.not_reciprocated`) and its partnering
again closes it. Both live in `Partnership.problems`; `shown` adds them to what staff see, read from
there, so each is kept in one place. They count towards the status (FAILING once past the grace); the
checks' reminders do not apply to them, and of the automatic end only NOT_RECIPROCATED's (its grace
end is scheduled when it opens, `api.services.mutual`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from .enums import HealthIssue
from .models import REMINDER_BEFORE, GuildSettings, Health, HealthProblem, PartnerServer, Partnership
from .text import MAX_NAME, clean_text

__all__ = ["REMINDER_BEFORE", "CheckFacts", "Health", "HealthProblem", "Verdict"]


@dataclass(frozen=True, slots=True)
class CheckFacts:
    """What the cluster saw when it resolved the partner's invite (the `partner.check` result)."""

    resolved: bool
    guild_id: int | None = None
    name: str | None = None
    icon_url: str | None = None
    member_count: int | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a check or a deadline decided: the new health and whom to tell about what."""

    health: Health
    opened: tuple[HealthProblem, ...] = ()
    closed: tuple[HealthProblem, ...] = ()
    reminders: tuple[HealthProblem, ...] = ()
    end_for: HealthProblem | None = None  # autoEndUnhealthy: the problem the partnership ends for

    @property
    def problems_changed(self) -> bool:
        return bool(self.opened or self.closed or self.reminders or self.end_for)


def issues_found(partner: PartnerServer, facts: CheckFacts, min_members: int) -> dict[HealthIssue, str]:
    """The problems one check shows, each with plain words for staff."""
    found: dict[HealthIssue, str] = {}
    if not facts.resolved:
        found[HealthIssue.PARTNER_INVITE_INVALID] = (
            f"The invite of {partner.name} (discord.gg/{partner.invite_code}) no longer works."
        )
    elif facts.guild_id != partner.id:
        found[HealthIssue.PARTNER_SERVER_GONE] = (
            f"The invite of {partner.name} (discord.gg/{partner.invite_code}) now leads to another server, "
            f"not {partner.name} ({partner.id})."
        )
    elif min_members and facts.member_count is not None and facts.member_count < min_members:
        found[HealthIssue.BELOW_MIN_MEMBERS] = (
            f"{partner.name} has {facts.member_count} members, fewer than the minimum of {min_members}."
        )
    return found


def refreshed_partner(partner: PartnerServer, facts: CheckFacts) -> PartnerServer:
    """The partner's name, icon and member count as Discord shows them, replacing what was typed (only
    when the invite leads to the partner's server: another server's facts are not the partner's)."""
    if not facts.resolved or facts.guild_id != partner.id:
        return partner
    name = clean_text(facts.name or "").strip()[:MAX_NAME] or partner.name
    count = facts.member_count
    return dataclasses.replace(
        partner,
        name=name,
        icon_url=facts.icon_url or None,
        member_count=count if isinstance(count, int) and count >= 0 else partner.member_count,
    )


# Health issues that are not a check's finding: their problem lives in `Partnership.problems`, opened
# and closed by what they are about (see the module's docstring), and the health model reads it there.
KEPT_AS_PROBLEMS = (HealthIssue.TRACKED_INVITE_DELETED, HealthIssue.NOT_RECIPROCATED)


def shown(p: Partnership, grace_hours: int) -> Health:
    """The health staff see (for display only, never stored or fed back into the rules): the checks'
    problems, then TRACKED_INVITE_DELETED while our tracked invite is being made again and
    NOT_RECIPROCATED while the partner runs this bot without showcasing us, each with its grace
    (`healthGraceHours`) counted from when it opened."""
    kept = []
    for issue in KEPT_AS_PROBLEMS:
        open_ = [x for x in p.problems if x.code == issue.value]
        if open_:
            first = min(open_, key=lambda x: x.at)
            grace_ends_at = first.at + timedelta(hours=grace_hours)
            kept.append(HealthProblem(issue, first.message, since=first.at, grace_ends_at=grace_ends_at))
    if not kept:
        return p.health
    return dataclasses.replace(p.health, problems=(*p.health.problems, *kept))


def after_check(
    health: Health,
    found: dict[HealthIssue, str],
    now: datetime,
    settings: GuildSettings,
    next_check_at: datetime | None,
) -> Verdict:
    """A check's result: problems still found keep their `since` (and grace), new ones open, missing
    ones close; then the deadlines that have passed apply (see `at_deadline`)."""
    grace = timedelta(hours=settings.health_grace_hours)
    kept, opened, closed = [], [], []
    for problem in health.problems:
        if problem.issue in found:
            kept.append(dataclasses.replace(problem, message=found[problem.issue]))
        else:
            closed.append(problem)
    known = {p.issue for p in health.problems}
    for issue, message in found.items():
        if issue not in known:
            problem = HealthProblem(issue, message, since=now, grace_ends_at=now + grace)
            opened.append(problem)
            kept.append(problem)
    checked = Health(tuple(kept), last_checked_at=now, next_check_at=next_check_at)
    later = at_deadline(checked, now, settings)
    return Verdict(later.health, tuple(opened), tuple(closed), later.reminders, later.end_for)


def at_deadline(health: Health, now: datetime, settings: GuildSettings) -> Verdict:
    """Reminders due a day before a grace ends, and (autoEndUnhealthy) the end once one has passed."""
    reminders: list[HealthProblem] = []
    problems = []
    for problem in health.problems:
        due = problem.remind_at
        if not problem.reminded and due is not None and due <= now < problem.grace_ends_at:
            problem = dataclasses.replace(problem, reminded=True)
            reminders.append(problem)
        problems.append(problem)
    end_for = None
    if settings.auto_end_unhealthy:
        past = [p for p in problems if p.grace_ends_at <= now]
        end_for = min(past, key=lambda p: p.since) if past else None
    return Verdict(dataclasses.replace(health, problems=tuple(problems)), reminders=tuple(reminders), end_for=end_for)


def end_reason(problem: HealthProblem) -> str:
    """The reason an automatically ended partnership carries (it names the problem)."""
    return f"Ended automatically: {problem.issue.value} — {problem.message}"


def stale_queue(pending_since: list[datetime], now: datetime, hours: int) -> tuple[int, datetime | None]:
    """(how many applications have waited longer than `hours`, the oldest submission time among them)."""
    if hours <= 0:
        return 0, None
    limit = now - timedelta(hours=hours)
    stale = [at for at in pending_since if at <= limit]
    return len(stale), min(stale, default=None)


def next_stale_reminder(
    pending_since: list[datetime], now: datetime, hours: int, reminded_now: bool
) -> datetime | None:
    """When to look at the queue again: at most once per `hours` after a reminder, else when the oldest
    pending application becomes stale; None when nothing is pending or reminders are off."""
    if hours <= 0 or not pending_since:
        return None
    if reminded_now:
        return now + timedelta(hours=hours)
    return max(min(pending_since) + timedelta(hours=hours), now)
