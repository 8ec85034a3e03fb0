"""Counters that add each event once: the document remembers the ids of its recent events.

A handler stores what happened (keyed by the event id), adds to counters, then marks the event done.
A crash between adding and marking would add twice on redelivery, so each counter document keeps the
ids of its last `window` events and an add is one atomic update guarded by them. A batch of events is
added in one update when none of its ids is known (the usual case); if some are (the redelivery after
such a crash), each event is added on its own and the known ones are skipped.

The window must exceed what one worker can have added but not yet marked: a batch (see
MAX_BATCH in api/services/joins.py).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pymongo.errors import DuplicateKeyError

RECENT = "recent_events"


def _update(deltas: Counter, ids: list[str], window: int, on_insert: dict[str, Any] | None) -> dict[str, Any]:
    update: dict[str, Any] = {
        "$inc": dict(deltas),
        "$push": {RECENT: {"$each": ids, "$slice": -window}},
    }
    if on_insert:
        update["$setOnInsert"] = on_insert
    return update


async def add_once(
    coll, doc_id: str, per_event: dict[str, Counter], window: int, on_insert: dict[str, Any] | None = None
) -> None:
    """Adds each event's deltas to the document `doc_id` once. `on_insert`: create the document when
    missing, with these fields (daily buckets); without it a missing document is left alone."""
    if not per_event:
        return
    ids = list(per_event)
    total: Counter = Counter()
    for deltas in per_event.values():
        total.update(deltas)
    upsert = on_insert is not None
    try:
        result = await coll.update_one(
            {"_id": doc_id, RECENT: {"$nin": ids}}, _update(total, ids, window, on_insert), upsert=upsert
        )
        if result.matched_count or result.upserted_id is not None:
            return
    except DuplicateKeyError:
        pass  # the document exists and knows one of the ids: the upsert tried to insert it again
    for event_id, deltas in per_event.items():
        try:
            await coll.update_one(
                {"_id": doc_id, RECENT: {"$ne": event_id}},
                _update(deltas, [event_id], window, on_insert),
                upsert=upsert,
            )
        except DuplicateKeyError:
            pass  # counted before
