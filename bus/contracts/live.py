"""Live notifications: api replica -> every api replica, on the fanout exchange partners.live.

A change made on one replica must reach the GraphQL subscriptions held by every replica. These are
notifications, not work: each replica's queue is exclusive and auto-deleted, nothing is retried
or dead-lettered, and a replica that was disconnected simply misses them (its clients resubscribe).
The api may register more live types with bus.contracts.register(..., kind=Kind.LIVE).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bus.contracts.registry import Contract, Kind, register
from bus.contracts.types import Snowflake, UtcDateTime


@register("live.queue_event", kind=Kind.LIVE)
class LiveQueueEvent(Contract):
    """A change to a guild's queue or partnerships (subscription partnershipQueue). event_type is a
    QueueEventType name (APPLICATION_SUBMITTED, PARTNERSHIP_ENDED, ...); payload is whatever the api
    wants its replicas to push without a database read (e.g. the serialised record)."""

    event_type: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    at: UtcDateTime
    application_id: str | None = None
    partnership_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)


@register("live.partner_join", kind=Kind.LIVE)
class LivePartnerJoin(Contract):
    """A member was attributed to a partnership (subscription partnerJoins)."""

    partnership_id: str
    user_id: Snowflake
    at: UtcDateTime
    payload: dict[str, Any] = Field(default_factory=dict)


class JoinNotice(Contract):
    """One attributed join inside live.partner_joins."""

    partnership_id: str
    user_id: Snowflake
    at: UtcDateTime


@register("live.partner_joins", kind=Kind.LIVE)
class LivePartnerJoins(Contract):
    """The members a run of the event worker attributed in one guild, in the order they joined
    (subscription partnerJoins gets them one by one). One message per run rather than one per join:
    a confirmed publish per join was a quarter of the worker's CPU. live.partner_join stays accepted
    from replicas that still send it during a rolling deploy."""

    joins: list[JoinNotice] = Field(min_length=1, max_length=1000)
