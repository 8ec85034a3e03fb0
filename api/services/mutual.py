"""Mutual partnerships: the reverse request filed in a partner's queue, the link of the pair, and
NOT_RECIPROCATED on one side when the other ends. The rules are `api.domain.mutual`; this is the I/O.

Each step touches another guild only through that guild's own writer (its rules hold there exactly:
blacklist, cooldown, minimum members, caps, duplicates) or through the pair's link document. What one
guild's staff learn of the other is whether it showcases them (reciprocity, NOT_RECIPROCATED) and, when
the reverse request is refused, the partner's refusal in plain words: nothing else of the other guild.
"""

from __future__ import annotations

import logging

from ..clock import utcnow
from ..domain import ledger as rules
from ..domain import mutual
from ..domain.enums import ApplicationSource, QueueEventType
from ..domain.errors import RuleViolation
from ..domain.models import Partnership, Problem, Submission, application_from
from ..domain.records import ApplicationRecorded, WorkScheduled
from ..store.applications import ApplicationRepository
from ..store.bot_guilds import BotGuildRepository
from ..store.directory import DirectoryRepository
from ..store.ledgers import LedgerRepository
from ..store.mutual_links import MutualLinkRepository
from ..store.partnerships import PartnershipRepository
from ..store.warnings import WarningRepository
from . import audit, effects, journal, notices
from .health import DEADLINE
from .ids import id_for_event
from .writer import Change, GuildWriter

log = logging.getLogger(__name__)


class MutualService:
    def __init__(
        self,
        writer: GuildWriter,
        ledgers: LedgerRepository,
        bot_guilds: BotGuildRepository,
        directory: DirectoryRepository,
        applications: ApplicationRepository,
        partnerships: PartnershipRepository,
        links: MutualLinkRepository,
        warnings: WarningRepository,
    ):
        self._writer = writer
        self._ledgers = ledgers
        self._bot_guilds = bot_guilds
        self._directory = directory
        self._apps = applications
        self._partnerships = partnerships
        self._links = links
        self._warnings = warnings

    async def runs_bot(self, guild_id: int) -> bool:
        ledger = await self._writer.load(guild_id)
        present = guild_id in await self._bot_guilds.present([guild_id])
        return mutual.runs_bot(present, ledger.settings if ledger.version else None)  # version 0: no settings

    async def started(self, partnership: Partnership) -> None:
        """Our partnership with the partner is ACTIVE: our side of the pair's link is set (a partner that
        already has its side joins us, see `MutualLinkRepository`), and the partner's partnership with us,
        if it showed NOT_RECIPROCATED, no longer does."""
        await self._links.join(partnership.guild_id, partnership.partner.id, partnership.id)
        theirs = await self._partnerships.active_with(partnership.partner.id, partnership.guild_id)
        if theirs is not None:
            await self._review(theirs)

    async def ended(self, partnership: Partnership) -> None:
        """Our partnership ended: the partner's partnership with us shows reciprocity NO at once (it is
        computed) and NOT_RECIPROCATED opens on it, its grace counting from now."""
        await self._links.leave(partnership.guild_id, partnership.partner.id, partnership.id)
        theirs = await self._partnerships.active_with(partnership.partner.id, partnership.guild_id)
        if theirs is not None:
            await self._review(theirs)

    async def _review(self, partnership: Partnership) -> None:
        """Opens or closes NOT_RECIPROCATED on `partnership` as its partner's side now stands."""
        partner_id = partnership.partner.id
        showcases = await self._partnerships.active_with(partner_id, partnership.guild_id) is not None
        seen = mutual.reciprocity(await self.runs_bot(partner_id), showcases)
        is_open = mutual.open_since(partnership) is not None
        change = mutual.not_reciprocated_change(seen, is_open)
        if change is mutual.ProblemChange.OPEN:
            now = utcnow()
            problem = mutual.not_reciprocated(partnership.partner.name, now)
            await self._warnings.add_partnership_problem(partnership.id, problem)
            await self._warnings.set_guild_warning(
                partnership.guild_id, f"{mutual.NOT_RECIPROCATED}:{partnership.id}", problem.message, now
            )
            await self._tell(partnership, opened=problem)
        elif change is mutual.ProblemChange.CLOSE:
            await self._warnings.clear_partnership_problem(partnership.id, mutual.NOT_RECIPROCATED)
            await self._warnings.clear_guild_warning(
                partnership.guild_id, f"{mutual.NOT_RECIPROCATED}:{partnership.id}"
            )
            await self._tell(partnership, text=notices.not_reciprocated_closed(partnership, showcases))

    async def _tell(self, partnership: Partnership, *, text: str | None = None, opened: Problem | None = None) -> None:
        """One notice in our log channel, journaled through our writer like the health notices; an opened
        NOT_RECIPROCATED also schedules its grace end (`health.deadline`, which ends the partnership
        then when autoEndUnhealthy is on)."""

        def decide(ledger: rules.Ledger, now) -> Change[None]:
            if partnership.id not in ledger.active:
                return Change(None)
            s = ledger.settings
            items: list = []
            content = text
            if opened is not None:
                ends = mutual.grace_ends_at(opened, s)
                content = notices.not_reciprocated_opened(partnership, opened.message, ends, s.auto_end_unhealthy)
                # keep_earlier: a check's problem due sooner keeps its turn; its handler reschedules ours.
                items.append(
                    WorkScheduled(DEADLINE, partnership.id, ends, guild_id=partnership.guild_id, keep_earlier=True)
                )
            items += effects.staff_notice(partnership.guild_id, s, content or "", partnership_id=partnership.id)
            return Change(ledger.next_version(), items) if items else Change(None)

        await self._writer.run(partnership.guild_id, decide)

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
        directory = (await self._directory.get_many([guild_id])).get(guild_id)
        request = mutual.reverse_request(
            partnership,
            ours.settings,
            our_name=directory.name if directory else str(guild_id),
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
        await self._warnings.clear_partnership_problem(partnership.id, mutual.MUTUAL_REQUEST_REFUSED)
        await self._warnings.clear_guild_warning(
            partnership.guild_id, f"{mutual.MUTUAL_REQUEST_REFUSED}:{partnership.id}"
        )

    async def _refused(self, partnership: Partnership, reason: str) -> None:
        now = utcnow()
        problem = mutual.request_refused(partnership.partner.name, reason, now)
        await self._warnings.add_partnership_problem(partnership.id, problem)
        await self._warnings.set_guild_warning(
            partnership.guild_id, f"{mutual.MUTUAL_REQUEST_REFUSED}:{partnership.id}", problem.message, now
        )
        await self._tell(partnership, text=problem.message)
