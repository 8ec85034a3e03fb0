"""Mutual partnerships: the reverse request filed in a partner's queue, the link of the pair, and
NOT_RECIPROCATED on one side when the other ends. The rules are `api.domain.mutual`; this is the I/O.

Each step touches another guild only through that guild's own writer (its rules hold there exactly:
blacklist, cooldown, minimum members, caps, duplicates) or through the pair's link document. What one
guild's staff learn of the other is whether it showcases them (reciprocity, NOT_RECIPROCATED) and, when
the reverse request is refused, the partner's refusal in plain words: nothing else of the other guild.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from ..domain import ledger as rules
from ..domain import mutual
from ..domain.enums import ApplicationSource, PartnershipStatus, QueueEventType, Reciprocity
from ..domain.errors import RuleViolation
from ..domain.models import Partnership, Submission, application_from
from ..domain.records import (
    ApplicationRecorded,
    MutualLinkJoined,
    MutualLinkLeft,
    ProblemCleared,
    ProblemRaised,
    WorkScheduled,
)
from ..store.applications import ApplicationRepository
from ..store.bot_guilds import BotGuildRepository
from ..store.directory import DirectoryRepository
from ..store.ledgers import LedgerRepository
from ..store.mutual_links import MutualLinkRepository
from ..store.partnerships import PartnershipRepository
from . import audit, effects, journal, notices
from .health import DEADLINE
from .ids import id_for_event
from .journal import JournalEntry
from .writer import Change, GuildWriter

log = logging.getLogger(__name__)


async def reciprocities(
    bot_guilds: BotGuildRepository,
    ledgers: LedgerRepository,
    partnerships: PartnershipRepository,
    pairs: list[tuple[int, int]],
) -> list[Reciprocity]:
    """What each (our guild, partner guild) pair's side sees, for GraphQL's `Partnership.reciprocity` and
    the CSV export alike. Three reads for any number of pairs: the partners' presence, their settings,
    and (indexed on guild_id, partner.id, status) which partners have an ACTIVE partnership with us."""
    if not pairs:
        return []
    running = await running_the_bot(bot_guilds, ledgers, list({p for _, p in pairs}))
    showcasing = await partnerships.showcasing([(p, g) for g, p in pairs])
    return [mutual.reciprocity(p in running, (p, g) in showcasing) for g, p in pairs]


async def running_the_bot(bot_guilds: BotGuildRepository, ledgers: LedgerRepository, guild_ids: list[int]) -> set[int]:
    """Of these guilds, those that run the bot (`mutual.runs_bot`): two reads for them all, the bot's
    presence and the guilds' settings."""
    present = await bot_guilds.present(guild_ids)
    found = await ledgers.load_many(guild_ids)
    # A ledger at version 0 has never been written: the guild has no settings.
    return {g for g in guild_ids if mutual.runs_bot(g in present, found[g].settings if found[g].version else None)}


@dataclass(frozen=True, eq=False, slots=True)
class MutualService:
    _writer: GuildWriter
    _ledgers: LedgerRepository
    _bot_guilds: BotGuildRepository
    _directory: DirectoryRepository
    _apps: ApplicationRepository
    _partnerships: PartnershipRepository
    _links: MutualLinkRepository

    async def runs_bot(self, guild_id: int) -> bool:
        return guild_id in await running_the_bot(self._bot_guilds, self._ledgers, [guild_id])

    async def reciprocity(self, guild_id: int, partner_id: int) -> Reciprocity:
        """Whether the partner showcases us, as GraphQL shows it (the same look-ups)."""
        (seen,) = await reciprocities(self._bot_guilds, self._ledgers, self._partnerships, [(guild_id, partner_id)])
        return seen

    async def follow(self, change: Change) -> None:
        """The one follow-up of a committed change that started or ended partnerships (its journal set
        or cleared our side of a pair's link, see `records.MutualLinkJoined`/`MutualLinkLeft`): the
        partner's partnership with us, if ACTIVE, opens or closes NOT_RECIPROCATED. A crash before this
        runs is healed by that partnership's next health check (`HealthService.check_due`)."""
        if change.ledger is None:
            return
        for item in change.items:
            if isinstance(item, MutualLinkJoined | MutualLinkLeft):
                theirs = await self._partnerships.active_with(item.partner_id, item.guild_id)
                if theirs is not None:
                    await self.review(theirs)

    async def heal(self, partnership: Partnership) -> None:
        """A health check's reconcile (`HealthService.check_due`): compared first without the lock
        (three reads); only a disagreement, a follow-up a crash lost, is reviewed under it."""
        seen = await self.reciprocity(partnership.guild_id, partnership.partner.id)
        change = mutual.not_reciprocated_change(seen, mutual.open_since(partnership) is not None)
        if change is mutual.ProblemChange.OPEN:
            # Only a partner that showcased us during this partnership and stopped "no longer showcases" us:
            # one whose reverse request waits in its queue, or that denied it, never did (its reciprocity
            # reads NO, but there is nothing to heal and nothing to end the partnership for).
            ended = await self._partnerships.ended_with_since(
                partnership.partner.id, partnership.guild_id, partnership.started_at
            )
            if not ended:
                return
        if change is not None:
            await self.review(partnership)

    async def review(self, partnership: Partnership) -> None:
        """Opens or closes NOT_RECIPROCATED on `partnership` as the partner's side stands now: the
        partnership and its reciprocity are read again under our guild's lock, and the problem is
        journaled with its notice (and its grace end)."""

        async def read() -> tuple[Partnership | None, Reciprocity | None]:
            p = await self._partnerships.get(partnership.id)
            return p, None if p is None else await self.reciprocity(p.guild_id, p.partner.id)

        def decide(ledger: rules.Ledger, now, seen: tuple[Partnership | None, Reciprocity | None]) -> Change[None]:
            p, reciprocity = seen
            if p is None or reciprocity is None or p.id not in ledger.active:
                return Change(None)
            if p.status is not PartnershipStatus.ACTIVE:
                return Change(None)  # an offer awaiting its answer showcases nobody yet
            items = self.reconcile(ledger, p, reciprocity, now)
            return Change(ledger.next_version(), items) if items else Change(None)

        await self._writer.run_reading(partnership.guild_id, read, decide)

    @staticmethod
    def reconcile(ledger: rules.Ledger, p: Partnership, seen: Reciprocity, now: datetime) -> list[JournalEntry]:
        """What NOT_RECIPROCATED on `p` owes when its partner's side reads `seen`: opened (with its
        grace end, `health.deadline`, which ends the partnership then when autoEndUnhealthy is on),
        closed, or nothing; each told in our log channel."""
        s = ledger.settings
        change = mutual.not_reciprocated_change(seen, mutual.open_since(p) is not None)
        if change is mutual.ProblemChange.OPEN:
            problem = mutual.not_reciprocated(p.partner.name, now)
            ends = mutual.grace_ends_at(problem, s)
            told = notices.not_reciprocated_opened(p, problem.message, ends, s.auto_end_unhealthy)
            return [
                ProblemRaised(p.guild_id, p.id, problem),
                # keep_earlier: a check's problem due sooner keeps its turn; its handler reschedules ours.
                WorkScheduled(DEADLINE, p.id, ends, guild_id=p.guild_id, keep_earlier=True),
                *effects.staff_notice(p.guild_id, s, told, partnership_id=p.id),
            ]
        if change is mutual.ProblemChange.CLOSE:
            told = notices.not_reciprocated_closed(p, seen is Reciprocity.YES)
            return [
                ProblemCleared(p.guild_id, p.id, mutual.NOT_RECIPROCATED),
                *effects.staff_notice(p.guild_id, s, told, partnership_id=p.id),
            ]
        return []

    async def offer(self, partnership: Partnership, tracked_invite_code: str) -> None:
        """Our tracked invite for this partnership exists: when the partner runs the bot and has no
        partnership with us yet, the reverse request (source MUTUAL) is filed in its queue. A refusal by
        the partner's rules is shown on our partnership and told to our staff; nothing is recorded there."""
        guild_id, partner_id = partnership.guild_id, partnership.partner.id
        ours = await self._writer.load(guild_id)
        if not ours.settings.mutual_partnerships or not await self.runs_bot(partner_id):
            return
        if await self._links.side(partner_id, guild_id) is not None:
            return  # the partner started its side first (or at the same moment): the pair is linked already
        app = await self._apps.get(partnership.application_id)
        if app is not None and app.source is ApplicationSource.MUTUAL:
            return  # this partnership is itself the answer to the partner's request
        directory = await self._directory.get(guild_id)
        request = mutual.reverse_request(
            partnership,
            ours.settings,
            our_name=directory.name if directory else mutual.NAME_NOT_SEEN,
            our_icon_url=directory.icon_url if directory else None,
            our_member_count=directory.member_count if directory else None,
            tracked_invite_code=tracked_invite_code,
            approved_by=app.decided_by if app else None,
        )
        if isinstance(request, str):
            await self._refused(partnership, request)
            return
        app_id = id_for_event(f"mutual:{partnership.id}")

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            if app_id in ledger.pending:
                return Change(None)  # filed by an earlier delivery
            if guild_id in ledger.active_partner_ids() | ledger.pending_partner_ids():
                return Change(None)  # it partners us already, or our request waits there: nothing to add
            submission = Submission(
                partner_id,
                request.partner,
                request.representative_id,
                request.advertisement,
                ApplicationSource.MUTUAL,
                now,
            )
            new = rules.submit_mutual(ledger, submission, app_id, now)
            filed = application_from(submission, app_id, now)
            items = [
                ApplicationRecorded(filed),
                journal.live(QueueEventType.APPLICATION_SUBMITTED, partner_id, new.version, now, application_id=app_id),
                audit.entry(partner_id, now, None, "application.mutual", app_id, None,
                            {"status": "PENDING", "partner_id": str(guild_id), "source": "MUTUAL"}),
                *effects.review_post(filed, ledger.settings),
            ]  # fmt: skip
            return Change(new, items)

        try:
            await self._writer.run(partner_id, decide)
        except RuleViolation as violation:
            log.info("guild %s: mutual request to %s refused: %s", guild_id, partner_id, violation.code)
            await self._refused(partnership, violation.message)
            return

    async def _refused(self, partnership: Partnership, reason: str) -> None:
        """Shown on our partnership and among our warnings, and told to our staff, in one journaled
        change (a crash after it still shows and tells it). It stays while the partnership lasts:
        nothing offers the request again."""

        def decide(ledger: rules.Ledger, now: datetime) -> Change[None]:
            if partnership.id not in ledger.active:
                return Change(None)
            problem = mutual.request_refused(partnership.partner.name, reason, now)
            told = effects.staff_notice(
                partnership.guild_id, ledger.settings, problem.message, partnership_id=partnership.id
            )
            return Change(ledger.next_version(), [ProblemRaised(partnership.guild_id, partnership.id, problem), *told])

        await self._writer.run(partnership.guild_id, decide)
