"""The stale-queue reminder: one notice in the log channel when applications have waited longer than
`staleQueueHours`, at most once per `staleQueueHours` per guild, pinging nobody but the review role.

Scheduled work `queue.stale`, one piece per guild: each submission schedules it (keeping an earlier
due time) for when that application would turn stale; after a reminder it is due again
`staleQueueHours` later. Since every submission comes after the last reminder, its due time is never
earlier than that, so the "once per interval" holds without remembering when the last one went out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.health import next_stale_reminder, stale_queue
from ..domain.ledger import Ledger
from ..domain.models import GuildSettings
from ..domain.records import WorkScheduled
from . import effects, notices
from .writer import Change, GuildWriter

STALE = "queue.stale"


def stale_check_scheduled(guild_id: int, submitted_at: datetime, s: GuildSettings) -> list[WorkScheduled]:
    """What a submission owes the reminder: a look at the queue once it would be stale."""
    if s.stale_queue_hours <= 0:
        return []
    due = submitted_at + timedelta(hours=s.stale_queue_hours)
    return [WorkScheduled(STALE, str(guild_id), due, guild_id=guild_id, keep_earlier=True)]


@dataclass(frozen=True, eq=False, slots=True)
class StaleQueueReminders:
    _writer: GuildWriter

    async def due(self, guild_id: int, now: datetime) -> datetime | None:
        """Reminds when due; returns when to look again (None: nothing pending, or reminders off)."""
        ledger = await self._writer.load(guild_id)
        hours = ledger.settings.stale_queue_hours
        waiting = [slot.submitted_at for slot in ledger.pending.values()]
        count, oldest = stale_queue(waiting, now, hours)
        if count == 0 or oldest is None:
            return next_stale_reminder(waiting, now, hours, reminded_now=False)
        text = notices.stale_queue(count, oldest, now)

        def decide(current: Ledger, at: datetime) -> Change[None]:
            return Change(
                current.next_version(), effects.staff_notice(guild_id, current.settings, text, ping_review_role=True)
            )

        await self._writer.run(guild_id, decide)
        return next_stale_reminder(waiting, now, hours, reminded_now=True)
