"""The live hub hands each subscriber its guild's events, ends a subscription on time, and closes a
subscriber that falls too far behind rather than slowing everyone down."""

from __future__ import annotations

import asyncio

import pytest

from api.live import SUBSCRIBER_BUFFER, LiveHub, SubscriptionOverflow
from api.services.journal import LIVE_JOIN, LIVE_JOINS
from bus import Envelope

GUILD = 1100000000000000000


async def nothing(envelope):
    return {}


def joins(*users: int) -> Envelope:
    at = "2026-01-01T00:00:00Z"
    return Envelope.new(LIVE_JOINS, GUILD, {"joins": [{"partnership_id": "p", "user_id": u, "at": at} for u in users]})


async def test_a_runs_joins_reach_a_subscriber_one_by_one_in_order():
    hub = LiveHub(nothing)
    async with hub.subscribe("join", GUILD) as events:
        await hub.receive(joins(11, 12, 13))
        got = [await anext(events) for _ in range(3)]
    assert [e.envelope.type for e in got] == [LIVE_JOIN] * 3
    assert [e.envelope.data["user_id"] for e in got] == ["11", "12", "13"]
    assert len({e.envelope.id for e in got}) == 3


async def test_a_subscription_ends_at_its_time_even_when_nothing_comes():
    hub = LiveHub(nothing)
    loop = asyncio.get_running_loop()
    async with hub.subscribe("join", GUILD, until=loop.time() + 0.05) as events:
        received = [e async for e in events]  # would wait forever without the end
    assert received == []
    assert hub.subscriber_count() == 0


async def test_a_subscriber_that_falls_behind_is_closed_after_what_it_has():
    hub = LiveHub(nothing)
    loop = asyncio.get_running_loop()
    async with hub.subscribe("join", GUILD, until=loop.time() + 3600) as events:
        for user in range(SUBSCRIBER_BUFFER + 1):
            await hub.receive(joins(user + 1))
        assert hub.subscriber_count() == 0  # dropped at the first event it had no room for
        drained = 0
        with pytest.raises(SubscriptionOverflow):
            async for _ in events:
                drained += 1
    assert drained == SUBSCRIBER_BUFFER
