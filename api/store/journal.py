"""Applying the database items of a guild's journal (see `ledgers.py`). Each one is idempotent."""

from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

from .database import Database

# Items with these ops are database writes; the others (`command`, `event`, `live`) go to the bus.
DB_OPS = frozenset({"insert", "update", "put_versioned"})


class JournalWriter:
    def __init__(self, database: Database):
        self._db = database.db

    async def apply(self, item: dict[str, Any]) -> None:
        collection = self._db[item["coll"]]
        op = item["op"]
        if op == "insert":
            try:
                await collection.insert_one(item["doc"])
            except DuplicateKeyError:
                pass  # already applied
        elif op == "update":
            # `expect` makes a replay a no-op once the document has moved on.
            await collection.update_one({"_id": item["_id"], **item.get("expect", {})}, {"$set": item["set"]})
        elif op == "put_versioned":
            # A newer version of the same document wins over a late replay of an older one.
            doc = item["doc"]
            try:
                await collection.update_one({"_id": doc["_id"], "rev": {"$lt": doc["rev"]}}, {"$set": doc}, upsert=True)
            except DuplicateKeyError:
                pass  # a newer version is stored
        else:
            raise ValueError(f"not a database journal op: {op}")
