"""The representative's one DM when a bump becomes possible, and its "Stop these reminders" button.

Scheduled work `bump.ready`, one piece per partnership: each showcase post that lands schedules it at
the partnership's next bump time (`bump_ready_scheduled`, journaled with the placement), so a bump's
post moves it to the next interval, and a new bump interval moves it with the settings change
(`bump_ready_moved`). When due, and the partnership is still ACTIVE with a bump possible and the
representative has not turned the reminders off, one `dm.send` goes out with the button. The ledger remembers which next bump time was told (`rules.remind_bump`, committed with the
DM), so a piece run twice (a lease taken over, a crash before it was marked done) sends nothing twice.

The click arrives as `representative.bump_reminders_off` (the cluster refuses anyone but the DM's
addressee); it stores the opt-out for that representative in that guild and answers ephemerally.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bus import Envelope
from bus.contracts import DmButton, RepresentativeBumpRemindersOff, parse_as

from ..domain import ledger as rules
from ..domain.enums import PartnershipStatus
from ..domain.records import BumpRemindersStopped, WorkScheduled
from ..store.bump_reminder_opt_outs import BumpReminderOptOuts
from ..store.directory import DirectoryRepository
from ..store.partnerships import PartnershipRepository
from ..store.scheduled import Claim
from . import effects
from . import representative_texts as say
from .writer import Change, GuildWriter

log = logging.getLogger(__name__)

BUMP_READY = "bump.ready"


def bump_ready_scheduled(guild_id: int, partnership_id: str, ledger: rules.Ledger) -> list[WorkScheduled]:
    """What a landed post owes the reminder: a look at the partnership at its next bump time. Not
    keep_earlier: a bump's post moves the reminder to the new interval."""
    next_at = ledger.next_bump_at(partnership_id)
    if next_at is None:
        return []
    return [WorkScheduled(BUMP_READY, partnership_id, next_at, guild_id=guild_id)]


def bump_ready_moved(old: rules.Ledger, new: rules.Ledger, now: datetime) -> list[WorkScheduled]:
    """What a settings change owes the reminders: each one moved to its partnership's new next bump time
    (`rules.bump_reminders_moved`; a shorter interval makes it earlier, a longer one later)."""
    moved = rules.bump_reminders_moved(old, new, now)
    return [WorkScheduled(BUMP_READY, pid, at, guild_id=new.guild_id) for pid, at in sorted(moved.items())]


@dataclass(frozen=True, eq=False, slots=True)
class BumpReminders:
    _writer: GuildWriter
    _partnerships: PartnershipRepository
    _opt_outs: BumpReminderOptOuts
    _directory: DirectoryRepository

    async def due(self, claim: Claim, now: datetime) -> datetime | None:
        """Sends the reminder when it is owed; returns when to look again (a bump interval made longer
        meanwhile), else None. Idempotent (see the module's docstring)."""
        p = await self._partnerships.get(claim.key)
        if p is None or p.status is not PartnershipStatus.ACTIVE:
            return None
        ledger = await self._writer.load(p.guild_id)
        next_at = ledger.next_bump_at(p.id)
        if next_at is not None and now < next_at:
            return next_at
        slot = ledger.active.get(p.id)
        if slot is None or not slot.representative_id:
            return None
        if await self._opt_outs.stopped(p.guild_id, slot.representative_id):
            return None
        content = say.bump_ready(p, await self._guild_name(p.guild_id))

        def decide(current: rules.Ledger, _now: datetime) -> Change[None]:
            # The scheduler's clock decided the piece is due; the rule checks the same instant.
            new = rules.remind_bump(current, p.id, now)
            # Told to the representative of the ledger that commits, the one read above unless it changed.
            if new is None or new.active[p.id].representative_id != slot.representative_id:
                return Change(None)
            return Change(new, [effects.tell(p, slot.representative_id, content, DmButton.STOP_BUMP_REMINDERS)])

        await self._writer.run(p.guild_id, decide)
        return None

    async def stop(self, envelope: Envelope) -> None:
        """ "Stop these reminders": stored once per representative and guild; every click is answered."""
        data = parse_as(envelope, RepresentativeBumpRemindersOff)
        guild_id, user = int(envelope.guild_id), int(data.user_id)
        content = say.bump_reminders_stopped(await self._guild_name(guild_id))
        reply = effects.reply_to_submission(guild_id, data.reply, user, None, content)
        if await self._opt_outs.stopped(guild_id, user):  # a second click, or a redelivery
            await self._writer.send_unjournaled([reply])
            return

        def decide(ledger: rules.Ledger, now: datetime) -> Change[None]:
            return Change(ledger.next_version(), [BumpRemindersStopped(guild_id, user, now), reply])

        await self._writer.run(guild_id, decide)
        log.info("guild %s: bump reminders turned off by a representative", guild_id)

    async def _guild_name(self, guild_id: int) -> str | None:
        found = await self._directory.get(guild_id)
        return found.name if found is not None else None
