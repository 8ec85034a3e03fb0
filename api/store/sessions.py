"""Dashboard login sessions: refresh tokens (stored only as SHA-256 hashes) and recently used OAuth codes.

A refresh token document: `_id` = sha256 of the token, `kind: "refresh"`, `family_id` (every token
rotated from one login shares it), `user_id`, `created_at`, `expires_at`, `revoked`, and `discord`
(the Discord grant, sealed by the caller; opaque here). A token is used by compare-and-setting
`revoked` from false to true, so of two concurrent uses exactly one wins; finding an already revoked
token means it was used twice, and the caller revokes the whole family (theft detection).

A used code document: `_id` = "code:" + sha256 of the code, `kind: "code"`, `expires_at`. Inserting it
fails on a duplicate key, which is how a replayed code is noticed across replicas.

A started login's state: `_id` = "state:" + sha256 of the state, `kind: "state"`, `expires_at`. The
callback deletes it (find-and-delete, atomic), so one state admits one callback on any replica.

All three kinds are dropped by the TTL index on `expires_at`; reads check expiry too, since MongoDB's TTL
monitor only runs once a minute.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from ..clock import as_utc, utcnow
from .database import Database


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class RefreshSession:
    family_id: str
    user_id: int
    created_at: datetime
    expires_at: datetime
    revoked: bool = False
    discord: dict[str, Any] = field(default_factory=dict, repr=False)


class SessionStore:
    def __init__(self, database: Database):
        self._coll = database.sessions

    async def add(self, token: str, session: RefreshSession) -> None:
        await self._coll.insert_one(
            {
                "_id": hash_token(token),
                "kind": "refresh",
                "family_id": session.family_id,
                "user_id": str(session.user_id),
                "created_at": session.created_at,
                "expires_at": session.expires_at,
                "revoked": session.revoked,
                "discord": session.discord,
            }
        )

    async def find(self, token: str, now: datetime | None = None) -> RefreshSession | None:
        """The session of `token`, revoked or not; None if unknown or expired."""
        doc = await self._coll.find_one({"_id": hash_token(token), "kind": "refresh"})
        if doc is None or as_utc(doc["expires_at"]) <= (now or utcnow()):
            return None
        return RefreshSession(
            family_id=doc["family_id"],
            user_id=int(doc["user_id"]),
            created_at=as_utc(doc["created_at"]),
            expires_at=as_utc(doc["expires_at"]),
            revoked=bool(doc["revoked"]),
            discord=dict(doc.get("discord") or {}),
        )

    async def use(self, token: str, now: datetime | None = None) -> bool:
        """Revokes `token` if it is live; False if it was already used, revoked or expired."""
        result = await self._coll.update_one(
            {"_id": hash_token(token), "kind": "refresh", "revoked": False, "expires_at": {"$gt": now or utcnow()}},
            # A used token no longer needs the Discord grant: it moves to the token that replaces it.
            {"$set": {"revoked": True, "used_at": now or utcnow()}, "$unset": {"discord": ""}},
        )
        return result.modified_count == 1

    async def update_discord(self, token: str, discord: dict[str, Any]) -> None:
        """Keeps a renewed Discord grant on the live token, so a later failure does not lose it
        (Discord rotates its refresh token: the old one no longer works)."""
        await self._coll.update_one(
            {"_id": hash_token(token), "kind": "refresh", "revoked": False}, {"$set": {"discord": discord}}
        )

    async def revoke_family(self, family_id: str) -> int:
        result = await self._coll.update_many(
            {"family_id": family_id, "revoked": False},
            {"$set": {"revoked": True, "revoked_family": True}, "$unset": {"discord": ""}},
        )
        return result.modified_count

    async def use_code(self, code: str, expires_at: datetime) -> bool:
        """Records an OAuth code as used; False if it already was (a replay)."""
        try:
            await self._coll.insert_one({"_id": "code:" + hash_token(code), "kind": "code", "expires_at": expires_at})
        except DuplicateKeyError:
            return False
        return True

    async def add_state(self, state: str, expires_at: datetime) -> None:
        """Remembers an OAuth state a login started, so the callback can use it once."""
        await self._coll.insert_one({"_id": "state:" + hash_token(state), "kind": "state", "expires_at": expires_at})

    async def use_state(self, state: str, now: datetime) -> bool:
        """Consumes a started login's state atomically; False if it was never started here, already
        used (by this or another replica) or expired."""
        used = await self._coll.find_one_and_delete({"_id": "state:" + hash_token(state), "expires_at": {"$gt": now}})
        return used is not None
