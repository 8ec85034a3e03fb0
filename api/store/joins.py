"""Attributed joins: one document per join (keyed by the member.joined event id), for retention,
rejoins, fakes and stats over time.

A document: guild_id, partnership_id, user_id, joined_at, left_at, fake (a FakeReason or None),
rejoin (the member had joined through this partnership before: not counted again), counts (what it
added to the counters), and once the member left: left_event (the member.left event id) and
left_counts. Whether an event's counts were added is the processed mark of its id.

`join_members` holds one claim per (partnership, member): `<partnership id>:<user id>`, with the
event id of the member's first join through it. Joins stored before claims existed get theirs from
the backfill (api/services/join_claims.py): the pair's earliest stored join, never replacing a claim.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import UpdateMany
from pymongo.errors import BulkWriteError

from ..domain.join_quality import JoinRules
from ..domain.models import GuildSettings
from .database import Database

_DUPLICATE_KEY = 11000
_CLAIM_FIELDS = {"guild_id": 1, "partnership_id": 1, "user_id": 1, "joined_at": 1, "rejoin": 1}


class JoinRepository:
    def __init__(self, database: Database):
        self._coll = database.joins
        self._members = database.join_members
        self._guilds = database.guilds

    async def rules(self, guild_id: int) -> JoinRules:
        """The guild's two join settings, read alone (the ledger document holds far more)."""
        fields = {"settings.fake_join_seconds": 1, "settings.min_account_age_days": 1}
        settings = ((await self._guilds.find_one({"_id": str(guild_id)}, fields)) or {}).get("settings") or {}
        default = GuildSettings()
        return JoinRules(
            settings.get("fake_join_seconds", default.fake_join_seconds),
            settings.get("min_account_age_days", default.min_account_age_days),
        )

    async def claim_members(self, guild_id: int, claims: list[tuple[str, int, str]]) -> list[bool]:
        """(partnership id, member, join event id) each: True where this is the member's first claim
        through that partnership (the claim is stored), False where one was stored before (a rejoin,
        or a redelivery: the stored claim names its first event). One insert for all; an insert by
        _id costs the same however many members are stored (a query would not, on mongomock)."""
        if not claims:
            return []
        docs = [{"_id": f"{p}:{u}", "guild_id": str(guild_id), "first_event": e} for p, u, e in claims]
        failed = await self._insert_claims(docs)
        return [i not in failed for i in range(len(claims))]

    async def claim_first_joins(self, joins: list[dict[str, Any]]) -> int:
        """Claims for stored joins (documents with _id, guild_id, partnership_id, user_id, joined_at,
        rejoin): per (partnership, member), the join counted as its first (not a rejoin), the earliest
        of them. A claim already stored stays as it is (it names the first join, or a live join claimed
        it first). Returns how many were added."""
        first: dict[str, dict[str, Any]] = {}
        for d in sorted(joins, key=lambda d: (d.get("rejoin") is True, d["joined_at"], d["_id"])):
            first.setdefault(f"{d['partnership_id']}:{d['user_id']}", d)
        docs = [{"_id": k, "guild_id": d["guild_id"], "first_event": d["_id"]} for k, d in first.items()]
        return len(docs) - len(await self._insert_claims(docs))

    async def _insert_claims(self, docs: list[dict[str, Any]]) -> set[int]:
        """Inserts the claims in one unordered write; the indexes of those already stored."""
        if not docs:
            return set()
        try:
            await self._members.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != _DUPLICATE_KEY for e in errors):
                raise
            return {e["index"] for e in errors}
        return set()

    async def first_events(self, pairs: list[tuple[str, int]]) -> dict[tuple[str, str], str]:
        """(partnership id, member) -> the event id of the member's first join through it."""
        if not pairs:
            return {}
        ids = sorted({f"{p}:{u}" for p, u in pairs})
        found = self._members.find({"_id": {"$in": ids}}, {"first_event": 1})
        return {tuple(d["_id"].rsplit(":", 1)): d["first_event"] async for d in found}

    async def of_users(self, guild_id: int, user_ids: Iterable[int]) -> list[dict[str, Any]]:
        """Every attributed join of these members in the guild (one read on guild_id + user_id)."""
        users = sorted({str(u) for u in user_ids})
        if not users:
            return []
        return [d async for d in self._coll.find({"guild_id": str(guild_id), "user_id": {"$in": users}})]

    async def page_after(self, last_id: str | None, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` stored joins in _id order after `last_id` (the backfill's pass over them)."""
        query = {} if last_id is None else {"_id": {"$gt": last_id}}
        return [d async for d in self._coll.find(query, _CLAIM_FIELDS).sort("_id", 1).limit(limit)]

    async def of_members(self, joins: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every stored join of these joins' members in their guilds: one read, on guild_id + user_id."""
        users: dict[str, set[str]] = {}
        for d in joins:
            users.setdefault(d["guild_id"], set()).add(d["user_id"])
        if not users:
            return []
        query = {"$or": [{"guild_id": g, "user_id": {"$in": sorted(u)}} for g, u in sorted(users.items())]}
        return [d async for d in self._coll.find(query, _CLAIM_FIELDS)]

    async def by_ids(self, event_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = list(event_ids)
        if not ids:
            return {}
        return {d["_id"]: d async for d in self._coll.find({"_id": {"$in": ids}})}

    async def by_left_events(self, guild_id: int, event_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = list(event_ids)
        if not ids:
            return {}
        return {
            d["left_event"]: d async for d in self._coll.find({"guild_id": str(guild_id), "left_event": {"$in": ids}})
        }

    async def insert_many(self, docs: list[dict[str, Any]]) -> None:
        """Stores new joins; one already stored (a redelivery handled elsewhere meanwhile) is kept as it is."""
        if not docs:
            return
        try:
            await self._coll.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            if any(e.get("code") != _DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
                raise

    async def mark_left(self, leaves: list[tuple[str, datetime, str, str | None, dict[str, int]]]) -> None:
        """(join id, left_at, leave event id, fake reason or None, the leave's counts), one bulk write.

        Guarded by left_at: null, so a join marked by another leave meanwhile is not moved. UpdateMany
        on an _id: mongomock's bulk_write refuses UpdateOne (stack-facts.md), and an _id matches one."""
        if not leaves:
            return
        ops = []
        for join_id, left_at, left_event, fake, left_counts in leaves:
            fields: dict[str, Any] = {"left_at": left_at, "left_event": left_event, "left_counts": left_counts}
            if fake is not None:
                fields["fake"] = fake
            ops.append(UpdateMany({"_id": join_id, "left_at": None}, {"$set": fields}))
        await self._coll.bulk_write(ops, ordered=True)

    async def stats(self, guild_id: int, since: datetime | None, until: datetime | None) -> dict[str, tuple[int, int]]:
        """partnership id -> (joins, retained) for joins in [since, until); a rejoin is not a join."""
        match: dict[str, Any] = {"guild_id": str(guild_id), "rejoin": {"$ne": True}}
        window: dict[str, Any] = {}
        if since is not None:
            window["$gte"] = since
        if until is not None:
            window["$lt"] = until
        if window:
            match["joined_at"] = window
        pipeline = [
            {"$match": match},
            {"$group": {"_id": "$partnership_id", "joins": {"$sum": 1},
                        "retained": {"$sum": {"$cond": [{"$eq": ["$left_at", None]}, 1, 0]}}}},
        ]  # fmt: skip
        return {d["_id"]: (d["joins"], d["retained"]) async for d in self._coll.aggregate(pipeline)}
