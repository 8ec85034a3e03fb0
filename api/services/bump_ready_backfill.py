"""The bump reminders owed by ads that were up before the reminders shipped.

`bump.ready` is scheduled when a showcase post lands (`bump_reminders.bump_ready_scheduled`), so a
partnership whose ad was already up had none and would wait for its next post. Once, at worker start,
in the background: every ACTIVE partnership with a posted ad (a next bump time in its ledger) and no
`bump.ready` work gets it at its next bump time. Guilds are walked in batches in stored order; after
each batch the last guild id is kept in its migration marker `bump-ready-backfill`
(`api/store/migrations.py`), so a restart resumes there, and a finished walk is never started again.

Idempotent, and safe beside replicas doing the same and beside posts landing meanwhile: only
partnerships without the work are scheduled, with `keep_earlier`; a piece that meanwhile moved later
(a new post) is at worst run early, and the handler then waits until the bump is possible. A reminder
already told for an interval is not told again (`rules.remind_bump` remembers it).
"""

from __future__ import annotations

import logging
from datetime import datetime

from ..store.database import Database
from ..store.ledgers import LedgerRepository
from ..store.migrations import MigrationMarkers
from ..store.scheduled import ScheduledWork
from ..store.scheduled_memory import MemoryScheduledWork
from .bump_reminders import BUMP_READY

log = logging.getLogger(__name__)

MARKER = "bump-ready-backfill"
GUILDS_PER_BATCH = 200


async def backfill_bump_ready(
    database: Database,
    ledgers: LedgerRepository,
    scheduled: ScheduledWork | MemoryScheduledWork,
    batch: int = GUILDS_PER_BATCH,
) -> int:
    """Schedules the missing reminders; returns how many (0 once the walk has finished before)."""
    markers = MigrationMarkers(database)
    marker = await markers.get(MARKER)
    if markers.finished(marker):
        return 0
    after = None if marker.get("after") is None else int(marker["after"])
    count = 0
    while guild_ids := await ledgers.guild_ids_after(after, batch):
        owed: dict[str, tuple[int, datetime]] = {}
        for guild_id, ledger in (await ledgers.load_many(guild_ids)).items():
            for pid in ledger.active:
                if (next_at := ledger.next_bump_at(pid)) is not None:  # ACTIVE, its ad posted
                    owed[pid] = (guild_id, next_at)
        present = await scheduled.present(BUMP_READY, list(owed))
        for pid in sorted(owed.keys() - present):
            guild_id, next_at = owed[pid]
            await scheduled.schedule(BUMP_READY, pid, next_at, guild_id=guild_id, keep_earlier=True)
            count += 1
        after = guild_ids[-1]
        await markers.advance(MARKER, after=str(after))
    await markers.finish(MARKER)
    if count:
        log.info("bump reminders scheduled for %d partnerships whose ad was up before they shipped", count)
    return count


async def run_backfill(
    database: Database, ledgers: LedgerRepository, scheduled: ScheduledWork | MemoryScheduledWork
) -> None:
    """The worker's background task: a failure is logged, and the next start resumes the walk."""
    try:
        await backfill_bump_ready(database, ledgers, scheduled)
    except Exception:
        log.exception("bump reminder backfill failed; the next start resumes it")
