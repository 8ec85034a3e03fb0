"""Opening the database (MongoDB via motor, or mongomock in memory) and creating indexes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel

log = logging.getLogger(__name__)


@dataclass
class Database:
    client: Any
    db: Any
    in_memory: bool

    @property
    def guilds(self):
        return self.db["guilds"]

    @property
    def applications(self):
        return self.db["applications"]

    @property
    def partnerships(self):
        return self.db["partnerships"]

    @property
    def blacklist(self):
        return self.db["blacklist"]

    @property
    def joins(self):
        return self.db["joins"]

    @property
    def join_members(self):
        """One claim per (partnership, member): who joined through a partnership before (api/store/joins.py)."""
        return self.db["join_members"]

    @property
    def migrations(self):
        """One marker per one-off data migration: how far it got (api/store/migrations.py)."""
        return self.db["migrations"]

    @property
    def join_days(self):
        """Daily join buckets per partnership and per guild (api/store/join_days.py)."""
        return self.db["join_days"]

    @property
    def processed(self):
        return self.db["processed_events"]

    @property
    def audit_log(self):
        return self.db["audit_log"]

    @property
    def sessions(self):
        """Dashboard login: hashed refresh tokens and recently used OAuth codes (api/store/sessions.py)."""
        return self.db["sessions"]

    @property
    def rate_limits(self):
        """Rate-limit token buckets shared by the replicas (api/store/rate_buckets.py)."""
        return self.db["rate_limits"]

    async def ensure_indexes(self) -> None:
        """Idempotent: safe on every start-up and from several replicas at once."""
        await self.applications.create_indexes(
            [
                IndexModel(
                    [("guild_id", ASCENDING), ("status", ASCENDING), ("submitted_at", ASCENDING), ("_id", ASCENDING)]
                ),
                IndexModel([("guild_id", ASCENDING), ("submitted_at", ASCENDING), ("_id", ASCENDING)]),
                IndexModel([("review.message_id", ASCENDING)], sparse=True),
            ]
        )
        await self.partnerships.create_indexes(
            [
                IndexModel(
                    [("guild_id", ASCENDING), ("status", ASCENDING), ("started_at", ASCENDING), ("_id", ASCENDING)]
                ),
                IndexModel([("guild_id", ASCENDING), ("started_at", ASCENDING), ("_id", ASCENDING)]),
                # Reciprocity: does the partner server have an ACTIVE partnership with us (api/domain/mutual.py)
                IndexModel([("guild_id", ASCENDING), ("partner.id", ASCENDING), ("status", ASCENDING)]),
                IndexModel([("guild_id", ASCENDING), ("tracked_invite_code", ASCENDING)], sparse=True),
                IndexModel([("application_id", ASCENDING)]),
                IndexModel([("guild_id", ASCENDING), ("representative_id", ASCENDING), ("status", ASCENDING)]),
                IndexModel([("proposed_ad.id", ASCENDING)], sparse=True),
                IndexModel([("proposed_ad.review.message_id", ASCENDING)], sparse=True),
            ]
        )
        await self.blacklist.create_indexes(
            [
                IndexModel(
                    [("guild_id", ASCENDING), ("removed", ASCENDING), ("added_at", DESCENDING), ("_id", ASCENDING)]
                )
            ]
        )
        await self.joins.create_indexes(
            [
                IndexModel([("partnership_id", ASCENDING), ("joined_at", ASCENDING)]),
                IndexModel([("guild_id", ASCENDING), ("user_id", ASCENDING), ("joined_at", DESCENDING)]),
                IndexModel([("guild_id", ASCENDING), ("joined_at", ASCENDING)]),
                IndexModel([("guild_id", ASCENDING), ("left_event", ASCENDING)], sparse=True),
            ]
        )
        await self.join_days.create_indexes([IndexModel([("scope", ASCENDING), ("day", ASCENDING)])])
        # Processed event ids are kept a week: far longer than any redelivery window. Not in memory:
        # mongomock emulates TTL by scanning the whole collection on every insert (a cost that grows
        # with every event), and an in-memory database lives no longer than its process anyway.
        if not self.in_memory:
            await self.processed.create_indexes([IndexModel([("at", ASCENDING)], expireAfterSeconds=7 * 24 * 3600)])
        # The audit log is paged newest first per guild (api/store/audit.py).
        await self.audit_log.create_indexes(
            [IndexModel([("guild_id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)])]
        )
        # The journal relay looks for guilds with unfinished work.
        await self.guilds.create_indexes([IndexModel([("todo.id", ASCENDING)], sparse=True)])
        # Login sessions vanish at expiry (checked in queries too: the TTL monitor runs once a minute);
        # a refresh token's whole family is revoked at once.
        # A bucket is dropped once it would be full again (a missing bucket is a full one).
        if not self.in_memory:
            await self.rate_limits.create_indexes([IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)])
        await self.sessions.create_indexes(
            [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0), IndexModel([("family_id", ASCENDING)])]
        )

    async def ping(self) -> None:
        """Raises when the server cannot be reached (readiness probes)."""
        await self.client.admin.command("ping")

    def close(self) -> None:
        self.client.close()


class DatabaseUnreachable(Exception):
    """MongoDB did not answer a ping within the start-up wait."""


async def check_reachable(url: str, wait_seconds: float) -> None:
    """One ping with its own client, bounded by `wait_seconds` (the server selection wait), so a wrong
    MONGODB_URL stops start-up promptly; the long-lived client keeps its defaults for outages later."""
    from motor.motor_asyncio import AsyncIOMotorClient

    ms = max(1, int(wait_seconds * 1000))
    client = AsyncIOMotorClient(url, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms)
    try:
        await client.admin.command("ping")
    except Exception as exc:  # pymongo's errors (selection timeout, auth, DNS) all mean "cannot start"
        raise DatabaseUnreachable(type(exc).__name__) from exc
    finally:
        client.close()


def open_database(url: str, name: str) -> Database:
    """An empty url gives the in-memory database of the embedded default and the unit tests."""
    if not url:
        from mongomock_motor import AsyncMongoMockClient

        from .memory_lookups import install

        install()
        client = AsyncMongoMockClient(tz_aware=True)
        return Database(client, client[name], in_memory=True)
    from motor.motor_asyncio import AsyncIOMotorClient

    client = AsyncIOMotorClient(url, tz_aware=True, uuidRepresentation="standard")
    return Database(client, client[name], in_memory=False)
