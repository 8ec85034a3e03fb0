"""Root query fields."""

from __future__ import annotations

import strawberry

from .context import Info
from .guild import Guild
from .ids import from_global_id
from .loaders import field_of
from .scalars import Snowflake
from .types import Application, Node, Partnership


@strawberry.type
class Viewer:
    user_id: Snowflake
    guild_ids: list[Snowflake] = strawberry.field(description="Guilds the caller holds partnerships.view on.")

    @strawberry.field(description="The same guilds, with their names.")
    def guilds(self) -> list[Guild]:
        return [Guild(id=g) for g in self.guild_ids]  # guild_ids are exactly the viewable ones

    @strawberry.field(description="From the Discord login; null for a token minted otherwise.")
    async def name(self, info: Info) -> str | None:
        return await field_of(info.context.loaders.person, self.user_id, "name")

    @strawberry.field
    async def avatar_url(self, info: Info) -> str | None:
        return await field_of(info.context.loaders.person, self.user_id, "avatar_url")


async def visible_node(info: Info, global_id: str) -> Application | Partnership | None:
    """The record behind a global id, or None when absent or in a guild the caller cannot see."""
    principal = info.context.principal()
    decoded = from_global_id(global_id)
    if decoded is None:
        return None
    type_name, record_id = decoded
    if type_name == "Application":
        record = await info.context.loaders.application.load(record_id)
        node = None if record is None else Application.of(record)
    else:
        record = await info.context.loaders.partnership.load(record_id)
        node = None if record is None else Partnership.of(record)
    if node is None or not principal.can_view(node.record.guild_id):
        return None
    return node


@strawberry.type
class Query:
    @strawberry.field(description="Requires partnerships.view on that guild.")
    def guild(self, info: Info, id: Snowflake) -> Guild | None:
        info.context.require_view(id)
        return Guild(id=id)

    @strawberry.field(
        description="Application or Partnership by global id; null when absent or not visible to the caller."
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await visible_node(info, id)

    @strawberry.field
    def viewer(self, info: Info) -> Viewer:
        principal = info.context.principal()
        return Viewer(user_id=principal.user_id, guild_ids=principal.viewable_guilds())
