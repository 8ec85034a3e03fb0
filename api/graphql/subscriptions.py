"""Subscriptions over graphql-transport-ws, fed by the process's live hub."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from .context import Info
from .scalars import Snowflake
from .types import Application, Partnership, QueueEventType


@strawberry.type
class QueueEvent:
    type: QueueEventType
    guild_id: Snowflake
    at: datetime
    application: Application | None
    partnership: Partnership | None


@strawberry.type
class PartnerJoinEvent:
    guild_id: Snowflake
    partnership: Partnership
    user_id: Snowflake
    at: datetime


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="partnerships.view. Every change to the guild's queue and partnerships, from any API replica, "
        "in order per guild."
    )
    async def partnership_queue(self, info: Info, guild_id: Snowflake) -> AsyncGenerator[QueueEvent, None]:
        info.context.require_view(guild_id)
        async with info.context.container.hub.subscribe("queue", guild_id) as events:
            async for event in events:
                info.context.require_view(guild_id)  # ends the stream once the token has expired
                records = await event.records()
                data = event.envelope.data
                app, partnership = records["application"], records["partnership"]
                yield QueueEvent(
                    type=QueueEventType(data["event_type"]),
                    guild_id=guild_id,
                    at=datetime.fromisoformat(data["at"]),
                    application=Application(record=app) if app else None,
                    partnership=Partnership(record=partnership) if partnership else None,
                )

    @strawberry.subscription(description="partnerships.view. Members attributed to a partnership as they join.")
    async def partner_joins(self, info: Info, guild_id: Snowflake) -> AsyncGenerator[PartnerJoinEvent, None]:
        info.context.require_view(guild_id)
        async with info.context.container.hub.subscribe("join", guild_id) as events:
            async for event in events:
                info.context.require_view(guild_id)
                partnership = (await event.records())["partnership"]
                if partnership is None:
                    continue
                data = event.envelope.data
                yield PartnerJoinEvent(
                    guild_id=guild_id,
                    partnership=Partnership(record=partnership),
                    user_id=int(data["user_id"]),
                    at=datetime.fromisoformat(data["at"]),
                )
