"""The per-guild ledger document and its journal of unfinished work.

One document per guild holds the ledger (see `api.domain.ledger`) and `todo`: the journal of
writes (record changes, mapped by `projector.py`) and messages that a committed change still owes. A change is committed by ONE atomic
update that (a) compare-and-sets `version` and (b) appends its journal items. Everything else —
the application and partnership documents, blacklist entries, bus commands and live events —
is derived from those items afterwards, idempotently, and each item is pulled once done.

Why a crash cannot break a cap or leave a count wrong: caps and counts are read from the
ledger alone, which is only ever changed by that single-document compare-and-set; there is no
second counter to forget. A crash after the commit and before the journal is finished leaves
the items in `todo`; they are replayed by the next change to the guild (before it decides), by a
submission's idempotency check (`GuildWriter.settle`), and by the journal relay running in every
API process. Plain reads do not replay: the ledger they read is exact on its own. Replaying is safe
because every item is idempotent: inserts ignore duplicate keys, updates are guarded by the
status they expect, blacklist entries carry the ledger version that wrote them, and bus
messages carry a fixed envelope id that consumers deduplicate.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from pymongo.errors import DuplicateKeyError

from ..domain.ledger import Ledger
from .database import Database
from .documents import ledger_fields_to_doc, ledger_from_doc

# Decoded ledgers kept per process for reads. Bounded: a ledger is at most a few hundred slots.
READ_CACHE_GUILDS = 1024


class LedgerRepository:
    def __init__(self, database: Database, cache_size: int = READ_CACHE_GUILDS):
        self._guilds = database.guilds
        self._decoded: OrderedDict[int, Ledger] = OrderedDict()  # guild id -> last decoded ledger (LRU)
        self._cache_size = cache_size

    async def load(self, guild_id: int) -> tuple[Ledger, list[dict[str, Any]]]:
        doc = await self._guilds.find_one({"_id": str(guild_id)})
        return ledger_from_doc(guild_id, doc), list((doc or {}).get("todo", []))

    async def load_many(self, guild_ids: list[int]) -> dict[int, Ledger]:
        """The current ledgers, for reads. For guilds decoded before, the database is first asked for
        the stored versions only (a projection of `version`: a probe moves a few bytes), and only the
        guilds whose version moved are read and decoded again: a change committed by any replica bumps
        `version` (the compare-and-set), so a read never serves a ledger older than the stored one.
        Guilds never decoded here are read whole at once (one round trip, as without the cache)."""
        found: dict[int, Ledger] = {}
        known = [str(g) for g in guild_ids if g in self._decoded]
        if known:
            async for doc in self._guilds.find({"_id": {"$in": known}}, {"version": 1}):
                cached = self._decoded.get(int(doc["_id"]))  # None: evicted meanwhile by another read
                if cached is not None and cached.version == doc["version"]:
                    self._decoded.move_to_end(cached.guild_id)
                    found[cached.guild_id] = cached
        # A guild probed but gone (never the case today) is read again, and then absent: an empty ledger.
        missing = [str(g) for g in guild_ids if g not in found]
        if missing:
            async for doc in self._guilds.find({"_id": {"$in": missing}}, {"todo": 0}):
                found[int(doc["_id"])] = self._remember(ledger_from_doc(int(doc["_id"]), doc))
        return {g: found.get(g) or Ledger(guild_id=g) for g in guild_ids}

    def _remember(self, ledger: Ledger) -> Ledger:
        self._decoded[ledger.guild_id] = ledger
        self._decoded.move_to_end(ledger.guild_id)
        while len(self._decoded) > self._cache_size:
            self._decoded.popitem(last=False)
        return ledger

    async def commit(self, old: Ledger, new: Ledger, items: list[dict[str, Any]]) -> bool:
        """Writes `new` if the stored version is still `old.version`; False when someone else won."""
        fields = ledger_fields_to_doc(new)
        if old.version == 0:
            try:
                await self._guilds.insert_one({"_id": str(new.guild_id), **fields, "todo": items})
            except DuplicateKeyError:
                return False
            return True
        update: dict[str, Any] = {"$set": fields}
        if items:
            update["$push"] = {"todo": {"$each": items}}
        result = await self._guilds.update_one({"_id": str(new.guild_id), "version": old.version}, update)
        return result.modified_count == 1

    async def done(self, guild_id: int, item_ids: list[str]) -> None:
        if item_ids:
            await self._guilds.update_one({"_id": str(guild_id)}, {"$pull": {"todo": {"id": {"$in": item_ids}}}})

    async def guilds_with_unfinished_work(self, limit: int = 100) -> list[int]:
        cursor = self._guilds.find({"todo.id": {"$exists": True}}, {"_id": 1}).limit(limit)
        return [int(d["_id"]) async for d in cursor]

    async def count_with_unfinished_work(self, cap: int = 100_000) -> int:
        """How many guilds have journal items waiting (the outbox backlog), counted on the sparse
        `todo.id` index and stopped at `cap` so a scrape stays cheap however large the backlog."""
        return await self._guilds.count_documents({"todo.id": {"$exists": True}}, limit=cap)

    async def guild_ids_after(self, after: int | None, limit: int) -> list[int]:
        """A page of guild ids in stored order (`_id`, a string) after `after`: a walk over every guild
        that can stop and resume at the last id it finished."""
        query = {} if after is None else {"_id": {"$gt": str(after)}}
        cursor = self._guilds.find(query, {"_id": 1}).sort("_id", 1).limit(limit)
        return [int(d["_id"]) async for d in cursor]

    async def all_guild_ids(self) -> list[int]:
        return [int(d["_id"]) async for d in self._guilds.find({}, {"_id": 1})]
