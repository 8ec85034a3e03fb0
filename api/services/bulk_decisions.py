"""Many applications of one guild decided in one request, each exactly as a single decision.

One after the other through `ApplicationService.approve` / `deny`: every decision is its own
compare-and-set on the guild's ledger, so the caps hold exactly even when several bulk calls (on
several replicas) race over the same queue, and one refusal never undoes the decisions before it.
"""

from __future__ import annotations

from ..domain.errors import RuleViolation
from ..domain.models import Application
from .applications import ApplicationService, Decision


async def decide_each(
    service: ApplicationService,
    apps: list[Application],
    approve: bool,
    actor: int | None,
    reason: str | None = None,
    blacklist: bool = False,
) -> list[Decision | RuleViolation]:
    """The outcome of each application, in order: its decision, or the rule that refused it."""
    outcomes: list[Decision | RuleViolation] = []
    for app in apps:
        try:
            if approve:
                outcomes.append(await service.approve(app, actor))
            else:
                outcomes.append(await service.deny(app, actor, reason, blacklist))
        except RuleViolation as exc:
            outcomes.append(exc)
    return outcomes
