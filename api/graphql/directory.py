"""The guild's channels and roles as the bot last saw them (``guild.directory``), for pickers."""

from __future__ import annotations

from enum import Enum

import strawberry

from ..store import directory as D
from .scalars import Snowflake
from .views import view_of


@strawberry.enum
class GuildChannelType(Enum):
    TEXT = "TEXT"
    ANNOUNCEMENT = "ANNOUNCEMENT"
    CATEGORY = "CATEGORY"
    FORUM = "FORUM"
    OTHER = "OTHER"


@strawberry.type
class GuildChannel:
    id: Snowflake
    name: str
    type: GuildChannelType
    parent_id: Snowflake | None = strawberry.field(description="The category it sits in.")
    position: int

    @classmethod
    def of(cls, c: D.DirectoryChannel) -> GuildChannel:
        kind = GuildChannelType(c.type) if c.type in GuildChannelType.__members__ else GuildChannelType.OTHER
        return view_of(cls, c, type=kind)


@strawberry.type
class GuildRole:
    id: Snowflake
    name: str
    color: int
    position: int
    managed: bool = strawberry.field(description="Managed by an integration (cannot be granted by the bot).")

    @classmethod
    def of(cls, r: D.DirectoryRole) -> GuildRole:
        return view_of(cls, r)


def channels_of(directory: D.GuildDirectory | None) -> list[GuildChannel]:
    """Discord's order: categories by position, each followed by its channels by position."""
    if directory is None:
        return []
    channels = directory.channels
    category_pos = {c.id: c.position for c in channels if c.type == "CATEGORY"}

    def key(c: D.DirectoryChannel) -> tuple[int, int, int, int]:
        if c.type == "CATEGORY":
            return (c.position, 0, 0, c.id)
        if c.parent_id is None:
            return (-1, 1, c.position, c.id)
        return (category_pos.get(c.parent_id, -1), 1, c.position, c.id)

    return [GuildChannel.of(c) for c in sorted(channels, key=key)]


def roles_of(directory: D.GuildDirectory | None) -> list[GuildRole]:
    """Highest first, as Discord lists them."""
    if directory is None:
        return []
    return [GuildRole.of(r) for r in sorted(directory.roles, key=lambda r: (-r.position, r.id))]
