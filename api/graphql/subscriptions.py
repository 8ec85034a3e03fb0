"""Subscriptions over graphql-transport-ws, fed by the process's live hub."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime

import strawberry

from .context import Info
from .scalars import Snowflake
from .shared_events import SharedResults
from .types import Application, Partnership, QueueEventType


@strawberry.type
class QueueEvent:
    type: QueueEventType
    guild_id: Snowflake
    at: datetime
    application: Application | None
    partnership: Partnership | None
    shared_results: strawberry.Private[SharedResults] = dataclasses.field(default_factory=SharedResults)


@strawberry.type
class PartnerJoinEvent:
    guild_id: Snowflake
    partnership: Partnership
    user_id: Snowflake
    at: datetime
    shared_results: strawberry.Private[SharedResults] = dataclasses.field(default_factory=SharedResults)


TOKEN_EXPIRED = 4401  # graphql-transport-ws "Unauthorized"


async def _until_token_expiry(info: Info, kind: str, guild_id: int) -> AsyncIterator:
    """The hub's events for this guild, while the caller's token is valid. At expiry the websocket is
    closed with 4401 (the client signs in again and resubscribes), so a revoked or expired session
    stops receiving data at once, not at the next event. One timer per subscription (the hub's
    `until`): with a thousand subscribers, a timeout around every wait cost more than the wait."""
    principal = info.context.require_view(guild_id)
    loop = asyncio.get_running_loop()
    until = loop.time() + max((principal.expires_at - datetime.now(UTC)).total_seconds(), 0.0)
    async with info.context.container.hub.subscribe(kind, guild_id, until=until) as events:
        async for event in events:
            yield event
    websocket = info.context.request
    with contextlib.suppress(Exception):  # already closing: nothing more to do
        await websocket.close(code=TOKEN_EXPIRED, reason="Token expired")


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="partnerships.view. Every change to the guild's queue and partnerships, from any API replica, "
        "in order per guild."
    )
    async def partnership_queue(self, info: Info, guild_id: Snowflake) -> AsyncGenerator[QueueEvent, None]:
        async for event in _until_token_expiry(info, "queue", guild_id):
            yield await event.shared("queue", lambda records, e=event: _queue_event(e.envelope.data, guild_id, records))

    @strawberry.subscription(description="partnerships.view. Members attributed to a partnership as they join.")
    async def partner_joins(self, info: Info, guild_id: Snowflake) -> AsyncGenerator[PartnerJoinEvent, None]:
        async for event in _until_token_expiry(info, "join", guild_id):
            joined = await event.shared(
                "join", lambda records, e=event: _join_event(e.envelope.data, guild_id, records)
            )
            if joined is not None:
                yield joined


def _queue_event(data: dict, guild_id: int, records: dict) -> QueueEvent:
    app, partnership = records["application"], records["partnership"]
    return QueueEvent(
        type=QueueEventType(data["event_type"]),
        guild_id=guild_id,
        at=datetime.fromisoformat(data["at"]),
        application=Application.of(app) if app else None,
        partnership=Partnership.of(partnership) if partnership else None,
    )


def _join_event(data: dict, guild_id: int, records: dict) -> PartnerJoinEvent | None:
    partnership = records["partnership"]
    if partnership is None:
        return None
    return PartnerJoinEvent(
        guild_id=guild_id,
        partnership=Partnership.of(partnership),
        user_id=int(data["user_id"]),
        at=datetime.fromisoformat(data["at"]),
    )
