"""Fixtures of the bus tests: the real broker (a private vhost) and a factory of started buses of
either implementation, so behavioural tests run against RabbitMQ and the in-memory twin alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bus import Bus, MemoryBus, RabbitBus, make_bus
from tests.support.broker import broker_url, rabbitmq_url, reset_topology  # noqa: F401
from tests.support.private_broker import private_broker  # noqa: F401

# Small limits keep failure tests fast: 2 redeliveries, 10 ms backoff, quick reconnects.
FAST = {
    "delivery_limit": 2,
    "retry_delay": 0.01,
    "reconnect_interval": 0.2,
    "publish_timeout": 10.0,
    "connect_timeout": 5.0,
    "close_timeout": 5.0,
}


class BusMaker:
    """Builds started buses of one implementation and closes them after the test."""

    def __init__(self, kind: str, url: str) -> None:
        self.kind = kind
        self.url = url
        self.buses: list[Bus] = []

    async def __call__(self, **opts: Any) -> Bus:
        bus = make_bus(self.url, **{**FAST, **opts})
        await bus.start()
        self.buses.append(bus)
        return bus

    async def peer(self, bus: Bus, **opts: Any) -> Bus:
        """Another process's bus: a new connection on RabbitMQ; the same object for the twin, which
        has no other processes."""
        if isinstance(bus, MemoryBus):
            return bus
        return await self(**opts)

    async def close_all(self) -> None:
        for bus in reversed(self.buses):
            await bus.close()


@pytest.fixture(params=["memory", "rabbit"])
async def maker(request: pytest.FixtureRequest) -> AsyncIterator[BusMaker]:
    url = ""
    if request.param == "rabbit":
        url = request.getfixturevalue("rabbitmq_url")
        await reset_topology(url)
    made = BusMaker(request.param, url)
    try:
        yield made
    finally:
        await made.close_all()


@pytest.fixture
async def rabbit(broker_url: str) -> AsyncIterator[Callable[..., Any]]:  # noqa: F811
    """Factory of started RabbitBus instances on the clean test vhost."""
    made: list[RabbitBus] = []

    async def build(**opts: Any) -> RabbitBus:
        bus = RabbitBus(broker_url, **{**FAST, **opts})
        await bus.start()
        made.append(bus)
        return bus

    try:
        yield build
    finally:
        for bus in reversed(made):
            await bus.close()
