"""Background Discord work (partner health checks) that always yields to user-facing commands.

Discord allows a bot about 50 requests/s in total, and a member waiting for their review post or
showcase matters more than a check that could run a minute later. Every other command runs inside
``foreground()``; a check enters ``background()``, which waits until no foreground command is
running on this node and a token of the node's check budget (CHECK_REQUESTS_PER_SECOND) is free.
So checks fill the gaps, never exceed the budget, and a burst of user-facing work pre-empts them.
A waiting check holds one of the shard consumer's prefetch slots; the API's HEALTH_CHECKS_PER_SECOND
keeps the checks in flight few, well under the prefetch, so user-facing commands are still delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

# Command types that run in the background path (everything else is user-facing).
BACKGROUND_COMMANDS = frozenset({"partner.check"})


class BackgroundGate:
    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._foreground = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._turn = asyncio.Lock()  # one background request at a time: they are paced, not parallel
        self._next_at = 0.0
        self.background_waits = 0  # times a check waited for user-facing work (a metric, and for tests)

    @property
    def foreground_running(self) -> int:
        return self._foreground

    @contextlib.asynccontextmanager
    async def foreground(self) -> AsyncIterator[None]:
        self._foreground += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._foreground -= 1
            if self._foreground == 0:
                self._idle.set()

    @contextlib.asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        async with self._turn:
            while True:
                delay = self._next_at - self._clock()
                if delay > 0:
                    await self._sleep(delay)
                if self._idle.is_set():
                    break
                self.background_waits += 1
                await self._idle.wait()
            self._next_at = max(self._next_at, self._clock()) + 1.0 / self.rate
            yield
