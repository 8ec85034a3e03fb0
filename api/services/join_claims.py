"""The backfill of member claims (`join_members`) for joins stored before claims existed.

A rejoin is counted once because a member's first join through a partnership claims the pair
(api/store/joins.py); joins stored before the claims existed have none, so a member who joined then
and rejoins now would count as a first join. The backfill gives each such pair its claim, naming the
pair's earliest stored join (the first join, as JoinService._read expects). A claim already stored is
never changed, so a live join that claimed first stays exact.

Once per process at worker start, in the background: batches of joins in _id order, each one bulk
insert (unordered, duplicates ignored), with the last _id done kept in the `migrations` marker, so a
restart continues there and a finished backfill costs one read. While it is under way, each run of
joins first claims its own members' stored joins (`claim_history`), so a member whose old join the
backfill has not reached yet and who rejoins meanwhile is still counted once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from ..store.joins import JoinRepository
from ..store.migrations import MigrationMarkers

log = logging.getLogger(__name__)

NAME = "join_members_backfill"
BATCH = 1000
RETRY_SECONDS = 30.0


class JoinClaimBackfill:
    def __init__(self, joins: JoinRepository, markers: MigrationMarkers, batch: int = BATCH):
        self._joins = joins
        self._markers = markers
        self._batch = batch
        self.under_way = False  # set by start(); cleared once this process has seen the backfill finished

    def start(self) -> asyncio.Task:
        """Runs the backfill in the background until it finishes (retrying after an error). Joins handled
        from now until then claim their members' history first: call it before consuming events."""
        self.under_way = True
        return asyncio.create_task(self._until_finished(), name="join-claims-backfill")

    async def _until_finished(self) -> None:
        while True:
            try:
                await self.run()
                return
            except Exception:
                log.exception("join claims backfill failed; retrying in %s s", RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)

    async def run(self) -> None:
        """Claims every stored join's pair from where the marker says the last run stopped."""
        marker = await self._markers.get(NAME)
        if self._markers.finished(marker):
            self.under_way = False
            return
        last_id = marker.get("last_id")
        read, added = marker.get("read", 0), marker.get("claimed", 0)
        if last_id is None:
            log.info("join claims backfill: starting")
        else:
            log.info("join claims backfill: continuing after %d joins", read)
        while True:
            page = await self._joins.page_after(last_id, self._batch)
            if page:
                # All the page's members' joins, so each pair's claim names its earliest join even
                # when a later one comes first in _id order (ids are not in time order).
                added += await self._joins.claim_first_joins(await self._joins.of_members(page))
                last_id, read = page[-1]["_id"], read + len(page)
            finished = len(page) < self._batch
            progress = {"last_id": last_id, "read": read, "claimed": added}
            await (self._markers.finish if finished else self._markers.advance)(NAME, **progress)
            log.info(
                "join claims backfill: %d joins read, %d claims added%s", read, added, " (done)" if finished else ""
            )
            if finished:
                break
        self.under_way = False

    async def claim_history(self, guild_id: int, user_ids: Iterable[int]) -> None:
        """While the backfill is under way: claims these members' stored joins in the guild (first join
        wins) before their new joins claim theirs. Nothing once it has finished."""
        if self.under_way:
            await self._joins.claim_first_joins(await self._joins.of_users(guild_id, user_ids))
