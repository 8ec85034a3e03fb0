"""Partnership health checks: the API decides, the cluster only asks Discord (`partner.check`).

A check is scheduled work (`health.check`, every HEALTH_CHECK_HOURS per ACTIVE partnership). It
sends `partner.check`; the facts come back in `command.completed` and `facts_arrived` applies the
rules of `api.domain.health`. A check whose problems did not change only records when it ran and the
partner's refreshed name, icon and member count (no ledger change); one that opens, closes, reminds
or ends goes through the guild's writer, so its notices and the next deadline (`health.deadline`)
are journaled with it.

Popular partner servers partner with many guilds, all advertising the same invite: `InviteFacts`
remembers each invite's facts for one cycle, so the second guild's check sends no command, and
checks that arrive while a look-up is in flight wait for its answer instead of asking again.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..clock import utcnow
from ..domain import ledger as rules
from ..domain.enums import HealthIssue, PartnershipStatus, QueueEventType, Reciprocity
from ..domain.health import (
    CheckFacts,
    Verdict,
    after_check,
    at_deadline,
    end_reason,
    issues_found,
    refreshed_partner,
    shown,
)
from ..domain.ledger import Ledger
from ..domain.models import Health, PartnerServer, Partnership
from ..domain.mutual import open_since
from ..domain.records import HealthChecked, WorkScheduled
from ..store.partnerships import PartnershipRepository
from . import effects, endings, journal, notices
from .writer import Change, GuildWriter

if TYPE_CHECKING:
    from .mutual import MutualService  # which imports DEADLINE from here

log = logging.getLogger(__name__)

CHECK = "health.check"
DEADLINE = "health.deadline"
# A look-up that never answered (a node died) stops holding the others back after this.
IN_FLIGHT_TIMEOUT = timedelta(minutes=10)


@dataclass
class InviteFacts:
    """invite code -> the facts seen this cycle, and the partnerships waiting for a look-up in flight.

    Per API process (replicas each keep their own); bounded by `max_size` (oldest dropped)."""

    ttl: timedelta
    max_size: int = 200_000
    saved: int = 0  # look-ups the sharing saved (a metric, and the bench's figure)
    _seen: dict[str, tuple[datetime, CheckFacts]] = field(default_factory=dict)
    _waiting: dict[str, tuple[datetime, set[str]]] = field(default_factory=dict)

    def fresh(self, code: str, now: datetime) -> CheckFacts | None:
        seen = self._seen.get(code)
        if seen is None or now - seen[0] >= self.ttl:
            return None
        return seen[1]

    def join(self, code: str, partnership_id: str, now: datetime) -> bool:
        """Waits for the look-up of `code`; True when the caller must send it (nobody else has)."""
        waiting = self._waiting.get(code)
        if waiting is not None and now - waiting[0] < IN_FLIGHT_TIMEOUT:
            waiting[1].add(partnership_id)
            self.saved += 1
            return False
        self._waiting[code] = (now, {partnership_id})
        return True

    def arrived(self, code: str, facts: CheckFacts, now: datetime) -> set[str]:
        """Remembers the facts; returns the partnerships that were waiting for them."""
        self._seen.pop(code, None)
        self._seen[code] = (now, facts)
        while len(self._seen) > self.max_size:
            self._seen.pop(next(iter(self._seen)))
        _, waiting = self._waiting.pop(code, (now, set()))
        return waiting


def first_check_scheduled(p: Partnership, now: datetime, every: timedelta) -> WorkScheduled:
    """What a new partnership owes the health checks: its first check, one cadence from now (its
    facts were just resolved at application time)."""
    return WorkScheduled(CHECK, p.id, now + every, guild_id=p.guild_id)


def facts_from_result(result: dict[str, Any]) -> CheckFacts:
    gid = result.get("guild_id")
    return CheckFacts(
        resolved=bool(result.get("resolved")),
        guild_id=None if gid in (None, "") else int(gid),
        name=result.get("name"),
        icon_url=result.get("icon_url"),
        member_count=result.get("member_count"),
    )


class HealthService:
    def __init__(
        self,
        writer: GuildWriter,
        partnerships: PartnershipRepository,
        cadence: timedelta,
        clock: Callable[[], datetime] = utcnow,
        *,
        mutual: MutualService,
    ):
        self._writer = writer
        self._partnerships = partnerships
        self.cadence = cadence
        self.invites = InviteFacts(ttl=cadence)
        self._clock = clock
        # NOT_RECIPROCATED's truth (the partner's side) and the partner's follow-up of an auto-end.
        self._mutual = mutual

    # ---- scheduled work ------------------------------------------------------------------------

    async def check_due(self, partnership_id: str, now: datetime) -> datetime | None:
        """The recurring check of one partnership; returns when it is due again (None: it ended)."""
        p = await self._partnerships.get(partnership_id)
        if p is None or p.status is PartnershipStatus.ENDED:
            return None
        if p.status is not PartnershipStatus.ACTIVE:
            return now + self.cadence  # an offer awaiting the partner's answer: checked once it is active
        ledger = await self._writer.load(p.guild_id)
        if partnership_id not in ledger.active:
            return None
        # NOT_RECIPROCATED follows the partner's side even when a crash lost the follow-up of its
        # start or end (`MutualService.follow`): opened or closed here if it disagrees.
        await self._mutual.heal(p)
        again = now + self.cadence
        if not ledger.settings.health_checks:
            return again
        known = self.invites.fresh(p.partner.invite_code, now)
        if known is not None:
            self.invites.saved += 1
            await self._apply(p, known, again)
        elif self.invites.join(p.partner.invite_code, p.id, now):
            await self._writer.send_unjournaled([effects.partner_check(p)])
        return again

    async def check_now(self, p: Partnership) -> None:
        """Staff asked (`checkPartnershipHealth`): a fresh look-up, whatever this cycle saw."""
        self.invites.join(p.partner.invite_code, p.id, self._clock())  # others checking now get this answer too
        await self._writer.send_unjournaled([effects.partner_check(p)])

    async def deadline_due(self, partnership_id: str, now: datetime) -> datetime | None:
        """A reminder or a grace end is due; the next one is scheduled by the change itself."""
        first = await self._partnerships.get(partnership_id)
        if first is None or first.status is not PartnershipStatus.ACTIVE:
            return None

        async def read() -> tuple[Partnership | None, Reciprocity | None]:
            p = await self._partnerships.get(partnership_id)
            if p is None or open_since(p) is None:
                return p, None
            return p, await self._mutual.reciprocity(p.guild_id, p.partner.id)

        def decide(ledger: Ledger, at: datetime, seen: tuple[Partnership | None, Reciprocity | None]) -> Change[None]:
            p, reciprocity = seen
            if p is None or p.status is not PartnershipStatus.ACTIVE or p.id not in ledger.active:
                return Change(None)
            s = ledger.settings
            verdict = at_deadline(p.health, at, s)
            # NOT_RECIPROCATED lives in `Partnership.problems`, not the checks' health: its grace end
            # (scheduled when it opened) ends the partnership too, with autoEndUnhealthy.
            unreciprocated = [
                x
                for x in shown(p, s.health_grace_hours).problems
                if x.issue is HealthIssue.NOT_RECIPROCATED and x.grace_ends_at <= at
            ]
            closing = []
            if unreciprocated and reciprocity is not None:
                # Decided on the partner's side as it is now, not on the problem alone: a problem left
                # open by a lost follow-up closes here instead of ending a reciprocated partnership.
                closing = self._mutual.reconcile(ledger, p, reciprocity, at)
                if closing:
                    unreciprocated = []
            if s.auto_end_unhealthy and verdict.end_for is None and unreciprocated:
                verdict = dataclasses.replace(verdict, end_for=unreciprocated[0])
            now_failing = any(problem.grace_ends_at <= at for problem in p.health.problems) or bool(unreciprocated)
            if not (verdict.reminders or verdict.end_for or now_failing or closing):
                return Change(None)
            change = self._change(ledger, p, verdict, p.partner, at, p.health, announce=True)
            if verdict.end_for is None:
                change.items += closing
            return change

        # Its problems and the partner's side are read again under the guild's lock: a problem closed
        # since the read above (the partner showcasing us again closes NOT_RECIPROCATED) ends nothing.
        await self._follow(await self._writer.run_reading(first.guild_id, read, decide))
        return None

    # ---- facts from the cluster ----------------------------------------------------------------

    async def facts_arrived(self, partnership_id: str, facts: CheckFacts) -> None:
        """The answer to a `partner.check`: applied to that partnership and to every partnership
        whose check waited for the same invite."""
        p = await self._partnerships.get(partnership_id)
        if p is None:
            return
        now = self._clock()
        waiting = self.invites.arrived(p.partner.invite_code, facts, now) | {partnership_id}
        for pid in sorted(waiting):
            other = p if pid == partnership_id else await self._partnerships.get(pid)
            if other is not None and other.status is PartnershipStatus.ACTIVE:
                await self._apply(other, facts, other.health.next_check_at or now + self.cadence)

    async def _apply(self, p: Partnership, facts: CheckFacts, next_check_at: datetime) -> None:
        def decide(ledger: Ledger, now: datetime) -> Change[None]:
            if p.id not in ledger.active:
                return Change(None)
            s = ledger.settings
            found = issues_found(p.partner, facts, s.min_partner_member_count)
            verdict = after_check(p.health, found, now, s, next_check_at)
            return self._change(ledger, p, verdict, refreshed_partner(p.partner, facts), now, p.health)

        ledger = await self._writer.load(p.guild_id)
        if p.id not in ledger.active:
            return
        now = self._clock()
        found = issues_found(p.partner, facts, ledger.settings.min_partner_member_count)
        quiet = after_check(p.health, found, now, ledger.settings, next_check_at)
        if not quiet.problems_changed and quiet.health.status(now) is p.health.status(now):
            # Nothing a rule or a person needs to hear about: record the check, no ledger change.
            await self._partnerships.record_check(p.id, quiet.health, refreshed_partner(p.partner, facts))
            return
        await self._follow(await self._writer.run(p.guild_id, decide))

    async def _follow(self, change: Change) -> None:
        """An auto-end tells the partner's side as every end does (`MutualService.follow`)."""
        await self._mutual.follow(change)

    def _change(
        self,
        ledger: Ledger,
        p: Partnership,
        verdict: Verdict,
        partner: PartnerServer,
        now: datetime,
        before: Health,
        announce: bool = False,
    ) -> Change[None]:
        s = ledger.settings
        seen = dataclasses.replace(p, partner=partner)
        items: list[Any] = [HealthChecked(p.id, verdict.health, partner)]
        if verdict.end_for is not None:
            reason = end_reason(verdict.end_for)
            new = rules.end(ledger, p.id)
            told = notices.partnership_ended(seen, reason)
            items += [
                *endings.partnership_ended(p, new, now, None, reason),
                *effects.end_effects(p, s),
                *effects.staff_notice(p.guild_id, s, told, partnership_id=p.id),
                *effects.tell_representative(p, told),
            ]
            return Change(new, items)
        new = ledger.next_version()
        for problem in verdict.opened:
            text = notices.health_problem_opened(seen, problem, s.auto_end_unhealthy)
            items += [
                *effects.staff_notice(p.guild_id, s, text, partnership_id=p.id),
                *effects.tell_representative(p, text),
            ]
        for problem in verdict.reminders:
            text = notices.health_grace_ending(seen, problem, s.auto_end_unhealthy)
            items += [
                *effects.staff_notice(p.guild_id, s, text, partnership_id=p.id),
                *effects.tell_representative(p, text),
            ]
        # NOT_RECIPROCATED's grace end shares this partnership's deadline piece: keep it when rescheduling.
        unreciprocated = [
            x.grace_ends_at
            for x in shown(p, s.health_grace_hours).problems
            if x.issue is HealthIssue.NOT_RECIPROCATED and x.grace_ends_at > now
        ]
        deadline = min(filter(None, (verdict.health.next_deadline(now), *unreciprocated)), default=None)
        if deadline is not None:
            items.append(WorkScheduled(DEADLINE, p.id, deadline, guild_id=p.guild_id))
        if announce or verdict.problems_changed or verdict.health.status(now) is not before.status(now):
            items.append(journal.live(QueueEventType.HEALTH_CHANGED, p.guild_id, new.version, now, partnership_id=p.id))
        return Change(new, items)
