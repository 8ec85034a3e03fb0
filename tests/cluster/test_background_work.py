"""The background path of health checks: paced to the node's budget, and held while user-facing work runs."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from cluster.background_work import BackgroundGate


class VirtualTime:
    """A monotonic clock that asyncio.sleep advances, so pacing is checked without waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
def virtual() -> VirtualTime:
    return VirtualTime()


async def test_checks_are_spread_evenly_at_the_budget_instead_of_bursting(virtual: VirtualTime) -> None:
    gate = BackgroundGate(rate=5.0, clock=virtual, sleep=virtual.sleep)
    started: list[float] = []

    async def check() -> None:
        async with gate.background():
            started.append(virtual())

    await asyncio.gather(*(check() for _ in range(10)))
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(started)]
    assert gaps == [0.2] * 9  # 5 per second, never two at once


async def test_a_check_waits_until_no_user_facing_command_runs(virtual: VirtualTime) -> None:
    gate = BackgroundGate(rate=50.0, clock=virtual, sleep=virtual.sleep)
    order: list[str] = []
    release = asyncio.Event()

    async def user_facing() -> None:
        async with gate.foreground():
            order.append("command started")
            await release.wait()
            order.append("command done")

    async def check() -> None:
        async with gate.background():
            order.append("check")

    command = asyncio.create_task(user_facing())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(check())
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == ["command started"] and gate.background_waits == 1
    release.set()
    await asyncio.gather(command, waiting)
    assert order == ["command started", "command done", "check"]
