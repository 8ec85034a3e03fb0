"""Each guild's directory (name, icon, channels, roles) as the cluster last reported it.

One document per guild, replaced whole by a newer report: the write only matches a stored document
whose revision is lower, so a late, older report (another node, a redelivery) never overwrites a
newer one, whichever replica handles it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.errors import DuplicateKeyError

from ..clock import utcnow
from .database import Database


@dataclass(frozen=True, slots=True)
class DirectoryChannel:
    id: int
    name: str
    type: str  # TEXT, ANNOUNCEMENT, CATEGORY, FORUM or OTHER
    parent_id: int | None
    position: int


@dataclass(frozen=True, slots=True)
class DirectoryRole:
    id: int
    name: str
    color: int
    position: int
    managed: bool


@dataclass(frozen=True, slots=True)
class GuildDirectory:
    guild_id: int
    revision: int
    name: str
    icon_url: str | None
    channels: tuple[DirectoryChannel, ...]
    roles: tuple[DirectoryRole, ...]
    member_count: int | None = None  # as the gateway gave it to the node


class DirectoryRepository:
    def __init__(self, database: Database):
        self._coll = database.db["guild_directory"]

    async def replace_if_newer(self, directory: GuildDirectory) -> bool:
        """Stores the directory unless one with the same or a higher revision is there. True if stored."""
        doc = _to_doc(directory)
        try:
            result = await self._coll.replace_one(
                {"_id": doc["_id"], "revision": {"$lt": directory.revision}}, doc, upsert=True
            )
        except DuplicateKeyError:
            return False  # the stored one is as new or newer: the upsert's insert collided with it
        return result.matched_count == 1 or result.upserted_id is not None

    async def get(self, guild_id: int) -> GuildDirectory | None:
        doc = await self._coll.find_one({"_id": str(guild_id)})
        return None if doc is None else _from_doc(doc)

    async def get_many(self, guild_ids: list[int]) -> dict[int, GuildDirectory]:
        cursor = self._coll.find({"_id": {"$in": [str(g) for g in guild_ids]}})
        return {int(d["_id"]): _from_doc(d) async for d in cursor}


def _to_doc(d: GuildDirectory) -> dict[str, Any]:
    return {
        "_id": str(d.guild_id),
        "revision": d.revision,
        "name": d.name,
        "icon_url": d.icon_url,
        "member_count": d.member_count,
        "channels": [
            {
                "id": str(c.id),
                "name": c.name,
                "type": c.type,
                "parent_id": None if c.parent_id is None else str(c.parent_id),
                "position": c.position,
            }
            for c in d.channels
        ],
        "roles": [
            {"id": str(r.id), "name": r.name, "color": r.color, "position": r.position, "managed": r.managed}
            for r in d.roles
        ],
        "stored_at": utcnow(),
    }


def _from_doc(doc: dict[str, Any]) -> GuildDirectory:
    return GuildDirectory(
        guild_id=int(doc["_id"]),
        revision=int(doc["revision"]),
        name=doc["name"],
        icon_url=doc.get("icon_url"),
        member_count=doc.get("member_count"),
        channels=tuple(
            DirectoryChannel(
                int(c["id"]),
                c["name"],
                c["type"],
                None if c.get("parent_id") is None else int(c["parent_id"]),
                int(c.get("position", 0)),
            )
            for c in doc.get("channels", ())
        ),
        roles=tuple(
            DirectoryRole(
                int(r["id"]), r["name"], int(r.get("color", 0)), int(r.get("position", 0)), bool(r.get("managed"))
            )
            for r in doc.get("roles", ())
        ),
    )
