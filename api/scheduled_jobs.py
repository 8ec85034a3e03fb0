"""The scheduled work an API process runs (`api.scheduler` over `api.store.scheduled`), wired to the
services that do it: health checks, health deadlines, stale-queue reminders, the CONFIRM flow's
answer deadline and the representative's bump reminder DM.

Every replica runs one; the lease makes each piece run once, and a replica that dies mid-work loses
nothing (its lease runs out and another replica takes the piece). Health checks have a budget
(HEALTH_CHECKS_PER_SECOND): when more is due than it allows, the cadence stretches evenly instead
of bursting at Discord, and the backlog and the effective cadence are metrics. Bump reminder DMs have
a small fixed budget (BUMP_READY_PER_SECOND) for the same reason.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING

from .clock import utcnow
from .scheduler import Budget, PassResult, Scheduler
from .services.bump_reminders import BUMP_READY
from .services.health import CHECK, DEADLINE
from .services.reminders import STALE
from .store.projector import CONFIRM_DEADLINE
from .store.scheduled import Claim

if TYPE_CHECKING:
    from datetime import datetime

    from .container import Container

BACKLOG_EVERY_SECONDS = 30.0  # the backlog is counted on the index; no need on every pass
# Bump reminder DMs share Discord's global limit with everything else: a modest pace (at most a poll's
# worth per pass), never a burst, even when many reminders fall due at once (a restart's backlog).
BUMP_READY_PER_SECOND = 1.0


def build_scheduler(container: Container, clock=utcnow) -> Scheduler:
    health, reminders = container.health, container.reminders

    async def check(claim: Claim, now: datetime) -> datetime | None:
        return await health.check_due(claim.key, now)

    async def deadline(claim: Claim, now: datetime) -> datetime | None:
        return await health.deadline_due(claim.key, now)

    async def stale(claim: Claim, now: datetime) -> datetime | None:
        return await reminders.due(int(claim.key), now)

    s = container.settings
    rate = s.health_checks_per_second
    return Scheduler(
        container.scheduled,
        {
            CHECK: check,
            DEADLINE: deadline,
            STALE: stale,
            CONFIRM_DEADLINE: container.confirmations.deadline,
            BUMP_READY: container.bump_reminders.due,
        },
        clock,
        lease=timedelta(seconds=s.scheduler_lease_seconds),
        batch=s.scheduler_batch,
        budgets={
            CHECK: _budget(rate, s.scheduler_poll_seconds),
            BUMP_READY: _budget(BUMP_READY_PER_SECOND, s.scheduler_poll_seconds),
        },
    )


def _budget(rate: float, poll_seconds: float) -> Budget:
    """`rate` per second; a pass after a poll's sleep may use what the sleep earned, so the rate holds
    on average."""
    return Budget(rate=rate, burst=max(1.0, rate * poll_seconds))


async def run_scheduler(container: Container) -> None:
    """This process's scheduler, until cancelled (`container.close()`)."""
    scheduler = build_scheduler(container)
    metrics, cadence = container.metrics, container.health.cadence
    counted_at = -BACKLOG_EVERY_SECONDS

    async def observe(result: PassResult) -> None:
        nonlocal counted_at
        metrics.health_check_cadence.set((cadence + result.most_late).total_seconds())
        metrics.invite_lookups_saved.set(container.health.invites.saved)
        if time.monotonic() - counted_at >= BACKLOG_EVERY_SECONDS:
            counted_at = time.monotonic()
            now = utcnow()
            for kind in (CHECK, DEADLINE, STALE, BUMP_READY):
                metrics.scheduled_backlog.labels(kind).set(await container.scheduled.backlog(kind, now))

    await scheduler.run_forever(container.settings.scheduler_poll_seconds, on_pass=observe)
