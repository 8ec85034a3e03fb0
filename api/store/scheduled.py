"""Scheduled work: due times stored in MongoDB and claimed with a lease, so each piece runs once.

One document per piece of work, keyed by what it is about (`kind` + `key`, e.g. a health check of
one partnership), so scheduling the same thing twice moves its due time instead of doubling it.

    ready_at   when it may next be claimed: the due time, or the end of the current lease
    lease      the claim's token while someone holds it (None when free)

A claim is one atomic find-and-update on `ready_at <= now` that pushes `ready_at` to the end of
the lease and sets a fresh token; with several API replicas exactly one wins each piece. A
replica that dies mid-work simply never finishes: its lease runs out, `ready_at` has passed, and
another replica claims the piece again. Finishing (done / again at) is guarded by the token, so
a replica whose lease was taken over cannot undo the new owner's work. Handlers must therefore be
idempotent (they run at least once, and twice only after a lease ran out).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from .database import Database

INDEXES = [IndexModel([("kind", ASCENDING), ("ready_at", ASCENDING)])]


@dataclass(frozen=True, slots=True)
class Claim:
    """A piece of work this replica holds until `lease_ends_at`."""

    id: str
    kind: str
    key: str
    guild_id: int | None
    due_at: datetime
    payload: dict[str, Any]
    token: str
    attempts: int
    lease_ends_at: datetime


def work_id(kind: str, key: str) -> str:
    return f"{kind}:{key}"


def claim_of(doc: dict[str, Any], token: str, lease_ends_at: datetime) -> Claim:
    """The claim of a piece just leased with `token` (`doc` as it is now stored)."""
    return Claim(
        id=doc["_id"],
        kind=doc["kind"],
        key=doc["key"],
        guild_id=None if doc.get("guild_id") is None else int(doc["guild_id"]),
        due_at=_aware(doc["due_at"]),
        payload=doc.get("payload") or {},
        token=token,
        attempts=doc.get("attempts", 1),
        lease_ends_at=lease_ends_at,
    )


class DueTimes:
    """How a due time is set, shared by the MongoDB store and its in-memory twin: they differ only in
    how a piece is stored (`_insert_or_get`) and changed (`_set`)."""

    async def _insert_or_get(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        """Stores `doc` when no piece has its id (None), else returns the stored piece."""
        raise NotImplementedError

    async def _set(self, work: str, fields: dict[str, Any]) -> None:
        raise NotImplementedError

    async def schedule(
        self,
        kind: str,
        key: str,
        due_at: datetime,
        *,
        guild_id: int | None = None,
        payload: dict[str, Any] | None = None,
        keep_earlier: bool = False,
    ) -> None:
        """Due at `due_at` (created, or moved there). With `keep_earlier`, an earlier due time that is
        already stored wins. A piece being worked on keeps its lease; the new due time applies after."""
        _id = work_id(kind, key)
        fields = {"kind": kind, "key": key, "guild_id": None if guild_id is None else str(guild_id)}
        if payload is not None:
            fields["payload"] = payload
        new = {"_id": _id, **fields, "payload": payload or {}, "due_at": due_at, "ready_at": due_at}
        existing = await self._insert_or_get({**new, "lease": None, "attempts": 0})
        if existing is None or (keep_earlier and _aware(existing["due_at"]) <= due_at):
            return
        update: dict[str, Any] = {**fields, "due_at": due_at}
        if existing.get("lease") is None:
            update["ready_at"] = due_at
        await self._set(_id, update)


class ScheduledWork(DueTimes):
    def __init__(self, database: Database):
        self._coll = database.db["scheduled_work"]

    async def ensure_indexes(self) -> None:
        await self._coll.create_indexes(INDEXES)

    async def _insert_or_get(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        existing = await self._coll.find_one({"_id": doc["_id"]}, {"due_at": 1, "lease": 1})
        if existing is not None:
            return existing
        try:
            await self._coll.insert_one(doc)
            return None
        except DuplicateKeyError:  # a concurrent schedule() inserted it first: update it instead
            return await self._coll.find_one({"_id": doc["_id"]}, {"due_at": 1, "lease": 1})

    async def _set(self, work: str, fields: dict[str, Any]) -> None:
        await self._coll.update_one({"_id": work}, {"$set": fields})

    async def cancel(self, kind: str, key: str) -> None:
        await self._coll.delete_one({"_id": work_id(kind, key)})

    async def claim(self, kind: str, now: datetime, lease: timedelta) -> Claim | None:
        """The earliest piece of `kind` that is due and not held, now held by the caller."""
        token = uuid.uuid4().hex
        doc = await self._coll.find_one_and_update(
            {"kind": kind, "ready_at": {"$lte": now}},
            {"$set": {"ready_at": now + lease, "lease": token}, "$inc": {"attempts": 1}},
            sort=[("ready_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else claim_of(doc, token, now + lease)

    async def done(self, claim: Claim) -> bool:
        """Removes finished one-off work. False when the lease was lost (someone else holds it now)."""
        result = await self._coll.delete_one({"_id": claim.id, "lease": claim.token})
        return result.deleted_count == 1

    async def again_at(self, claim: Claim, due_at: datetime, *, reset_attempts: bool = True) -> bool:
        """Recurring work (or a retry): due again at `due_at`, lease released. Guarded by the lease,
        unless someone rescheduled the piece meanwhile (then their due time stands)."""
        update: dict[str, Any] = {"due_at": due_at, "ready_at": due_at, "lease": None}
        if reset_attempts:
            update["attempts"] = 0
        result = await self._coll.update_one(
            {"_id": claim.id, "lease": claim.token, "due_at": claim.due_at}, {"$set": update}
        )
        if result.modified_count == 1:
            return True
        # Rescheduled while we held it: keep their due time, just release the lease.
        while (doc := await self._coll.find_one({"_id": claim.id, "lease": claim.token}, {"due_at": 1})) is not None:
            result = await self._coll.update_one(
                {"_id": claim.id, "lease": claim.token, "due_at": doc["due_at"]},
                {"$set": {"lease": None, "ready_at": doc["due_at"]}},
            )
            if result.modified_count == 1:
                return True
        return False

    async def backlog(self, kind: str, now: datetime, cap: int = 1_000_000) -> int:
        """How many pieces of `kind` are due and not held (a metric); counted on the index, capped."""
        return await self._coll.count_documents({"kind": kind, "ready_at": {"$lte": now}}, limit=cap)

    async def present(self, kind: str, keys: list[str]) -> set[str]:
        """Which of `keys` have a piece of `kind` stored (due, held or later)."""
        cursor = self._coll.find({"_id": {"$in": [work_id(kind, k) for k in keys]}}, {"key": 1})
        return {d["key"] async for d in cursor}

    async def get(self, kind: str, key: str) -> dict[str, Any] | None:
        doc = await self._coll.find_one({"_id": work_id(kind, key)})
        if doc is not None:
            for name in ("due_at", "ready_at"):
                doc[name] = _aware(doc[name])
        return doc


def _aware(value: datetime) -> datetime:
    """Stored datetimes come back naive from some servers; they are UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
