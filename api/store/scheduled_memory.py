"""The in-memory twin of `ScheduledWork` (same interface, same tests): a heap per kind.

Used by the embedded default (mongomock scans whole collections, so a million due times would make
every claim a full scan) and by bench/health.py. Nothing persists, like the rest of the embedded
default; one process holds it, so a lease only guards against this process's own overlapping passes.
Heap entries are never updated in place: a moved or finished piece leaves a stale entry behind, which
`claim` skips (its `ready_at` or sequence no longer matches the piece).
"""

from __future__ import annotations

import heapq
import itertools
import uuid
from datetime import datetime, timedelta
from typing import Any

from .scheduled import Claim, DueTimes, claim_of, work_id


class MemoryScheduledWork(DueTimes):
    def __init__(self) -> None:
        self._docs: dict[str, dict[str, Any]] = {}
        self._heaps: dict[str, list[tuple[datetime, int, str]]] = {}
        self._seq = itertools.count()

    async def ensure_indexes(self) -> None:
        return None

    def _push(self, doc: dict[str, Any]) -> None:
        doc["_seq"] = seq = next(self._seq)
        heapq.heappush(self._heaps.setdefault(doc["kind"], []), (doc["ready_at"], seq, doc["_id"]))

    async def _insert_or_get(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        if (existing := self._docs.get(doc["_id"])) is not None:
            return existing
        self._docs[doc["_id"]] = doc
        self._push(doc)
        return None

    async def _set(self, work: str, fields: dict[str, Any]) -> None:
        doc = self._docs[work]
        doc.update(fields)
        if "ready_at" in fields:  # free: claimable at the new due time (the old heap entry goes stale)
            self._push(doc)

    async def cancel(self, kind: str, key: str) -> None:
        self._docs.pop(work_id(kind, key), None)

    async def claim(self, kind: str, now: datetime, lease: timedelta) -> Claim | None:
        heap = self._heaps.get(kind)
        while heap:
            ready_at, seq, _id = heap[0]
            doc = self._docs.get(_id)
            if doc is None or doc["_seq"] != seq:
                heapq.heappop(heap)  # stale: finished or moved since
                continue
            if ready_at > now:
                return None
            heapq.heappop(heap)
            token = uuid.uuid4().hex
            doc.update(ready_at=now + lease, lease=token, attempts=doc["attempts"] + 1)
            self._push(doc)  # a lease that runs out makes it claimable again
            return claim_of(doc, token, now + lease)
        return None

    async def done(self, claim: Claim) -> bool:
        doc = self._docs.get(claim.id)
        if doc is None or doc["lease"] != claim.token:
            return False
        del self._docs[claim.id]
        return True

    async def again_at(self, claim: Claim, due_at: datetime, *, reset_attempts: bool = True) -> bool:
        doc = self._docs.get(claim.id)
        if doc is None or doc["lease"] != claim.token:
            return False
        if doc["due_at"] == claim.due_at:
            doc["due_at"] = due_at
            if reset_attempts:
                doc["attempts"] = 0
        # else: rescheduled while we held it; their due time stands
        doc.update(ready_at=doc["due_at"], lease=None)
        self._push(doc)
        return True

    async def backlog(self, kind: str, now: datetime, cap: int = 1_000_000) -> int:
        count = 0
        for doc in self._docs.values():
            if doc["kind"] == kind and doc["ready_at"] <= now:
                count += 1
                if count >= cap:
                    break
        return count

    async def present(self, kind: str, keys: list[str]) -> set[str]:
        return {k for k in keys if work_id(kind, k) in self._docs}

    async def get(self, kind: str, key: str) -> dict[str, Any] | None:
        doc = self._docs.get(work_id(kind, key))
        return None if doc is None else {k: v for k, v in doc.items() if k != "_seq"}
