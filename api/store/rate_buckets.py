"""Rate-limit buckets shared by every API replica: one document per key (`mutations:<user id>`,
`auth:<client address>`), changed only by a compare-and-set on its version, like the ledgers.

Why not the `limits` library: its MongoDB storage opens its own motor client from a URL, so it cannot
run on the embedded in-memory database (mongomock) nor share our client; a token bucket needs only
this one conditional update.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError

from ..request_limits import BucketState, Decision, TokenBucket
from .database import Database

_ATTEMPTS = 20  # compare-and-set retries under contention on one key; past that the request is refused


class RateBuckets:
    def __init__(self, database: Database):
        self._collection = database.rate_limits

    async def take(self, key: str, bucket: TokenBucket, cost: int, now: float) -> Decision:
        for _ in range(_ATTEMPTS):
            stored = await self._collection.find_one({"_id": key})
            state = BucketState(stored["tokens"], stored["stamp"]) if stored else None
            decision, new = bucket.take(state, cost, now)
            if not decision.allowed:
                return decision
            fields = {
                "tokens": new.tokens,
                "stamp": new.stamp,
                "expires_at": datetime.fromtimestamp(bucket.full_at(new), UTC),
            }
            if stored is None:
                try:
                    await self._collection.insert_one({"_id": key, "v": 1, **fields})
                except DuplicateKeyError:
                    continue  # another request of this key created it first: read it again
                return decision
            changed = await self._collection.update_one(
                {"_id": key, "v": stored["v"]}, {"$set": fields, "$inc": {"v": 1}}
            )
            if changed.modified_count:
                return decision
        return Decision(False, 1.0)
