"""Runs scheduled work (see `api.store.scheduled`): claims what is due, calls its handler, within a budget.

Every API replica may run a Scheduler; the lease makes each piece run once. A handler gets the
claim and the current time and returns when the piece is due again (recurring work) or None
(finished). A handler that raises is retried later with a growing delay; the piece is never lost.

A kind may have a budget (pieces per second). When more is due than the budget allows, the rest
simply waits its turn in due order, so a cadence stretches evenly instead of bursting.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .store.scheduled import Claim, ScheduledWork

log = logging.getLogger(__name__)

Handler = Callable[[Claim, datetime], Awaitable[datetime | None]]
Clock = Callable[[], datetime]

RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... up to an hour: a failing piece neither spins nor is forgotten."""
    return min(RETRY_FIRST * (2 ** max(attempts - 1, 0)), RETRY_MAX)


@dataclass
class Budget:
    """A token bucket on the scheduler's clock: `rate` pieces per second, at most `burst` at once."""

    rate: float
    burst: float
    _tokens: float = field(default=0.0, init=False)
    _at: datetime | None = field(default=None, init=False)

    def take(self, now: datetime) -> bool:
        if self._at is None:
            self._tokens = self.burst
        else:
            elapsed = max((now - self._at).total_seconds(), 0.0)
            self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def give_back(self) -> None:
        self._tokens = min(self.burst, self._tokens + 1.0)


@dataclass
class PassResult:
    """What one pass did, for metrics and benchmarks."""

    ran: int = 0
    failed: int = 0
    most_late: timedelta = timedelta(0)
    budget_exhausted: bool = False


class Scheduler:
    def __init__(
        self,
        work: ScheduledWork,
        handlers: Mapping[str, Handler],
        clock: Clock,
        *,
        lease: timedelta = timedelta(minutes=5),
        batch: int = 100,
        budgets: Mapping[str, Budget] | None = None,
        owner: str | None = None,
    ):
        self._work = work
        self._handlers = dict(handlers)
        self._clock = clock
        self._lease = lease
        self._batch = batch
        self._budgets = dict(budgets or {})
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"

    async def run_due(self) -> PassResult:
        """One pass: up to `batch` due pieces of each kind (fewer when its budget runs out)."""
        result = PassResult()
        for kind, handler in self._handlers.items():
            budget = self._budgets.get(kind)
            claims: list[Claim] = []
            while len(claims) < self._batch:
                now = self._clock()
                if budget is not None and not budget.take(now):
                    result.budget_exhausted = True
                    break
                claim = await self._work.claim(kind, now, self._lease)
                if claim is None:
                    if budget is not None:
                        budget.give_back()  # nothing was due: the token was not spent
                    break
                claims.append(claim)
            await asyncio.gather(*(self._run(handler, claim, result) for claim in claims))
        return result

    async def _run(self, handler: Handler, claim: Claim, result: PassResult) -> None:
        now = self._clock()
        result.most_late = max(result.most_late, now - claim.due_at)
        try:
            again = await handler(claim, now)
        except Exception:
            result.failed += 1
            delay = retry_delay(claim.attempts)
            log.exception("scheduled %s failed (attempt %d); retrying in %s", claim.id, claim.attempts, delay)
            await self._work.again_at(claim, self._clock() + delay, reset_attempts=False)
            return
        result.ran += 1
        if again is None:
            await self._work.done(claim)
        else:
            await self._work.again_at(claim, again)

    async def run_forever(
        self, poll_seconds: float, on_pass: Callable[[PassResult], Awaitable[None]] | None = None
    ) -> None:
        """Passes until cancelled; a pass that found a full batch goes again at once. `on_pass`
        sees each pass's result (metrics)."""
        while True:
            try:
                result = await self.run_due()
                if on_pass is not None:
                    await on_pass(result)
            except Exception:
                log.exception("scheduler pass failed; retrying")
                result = PassResult()
            if result.ran + result.failed == 0 or result.budget_exhausted:
                await asyncio.sleep(poll_seconds)
