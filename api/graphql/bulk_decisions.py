"""`decideApplications`: many PENDING applications of one guild decided in one call.

Each id goes through the same service call as `approveApplication` / `denyApplication`, one after
the other, so every cap and state rule holds exactly as it does for single decisions (each is its
own compare-and-set on the guild's ledger). The rate limit counts the field once (mutation_cost.py);
MAX_IDS bounds what one call may do.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from ..domain.errors import ErrorCode, RuleViolation
from ..services.applications import Decision as DecisionMade
from ..services.bulk_decisions import decide_each
from .context import Info
from .queries import visible_node
from .types import Application, Partnership, UserError

MAX_IDS = 100


@strawberry.enum
class Decision(Enum):
    APPROVE = "APPROVE"
    DENY = "DENY"


@strawberry.type
class DecisionPayload:
    application: Application | None
    partnership: Partnership | None
    user_errors: list[UserError]

    @classmethod
    def of(cls, decision: DecisionMade) -> DecisionPayload:
        partnership = Partnership.of(decision.partnership) if decision.partnership else None
        return cls(application=Application.of(decision.application), partnership=partnership, user_errors=[])

    @classmethod
    def refused(cls, node: Application | None, errors: list[UserError]) -> DecisionPayload:
        return cls(application=node, partnership=None, user_errors=errors)


@strawberry.type
class BulkDecisionPayload:
    results: list[DecisionPayload] = strawberry.field(
        description="One per id given, in the same order; empty when the call is refused whole (see userErrors)."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the whole call was refused (more than 100 ids); nothing was decided then."
    )


def _error(code: ErrorCode, message: str, field: tuple[str, ...]) -> list[UserError]:
    return [UserError.of(RuleViolation(code, message, field))]


async def decide_applications(
    info: Info,
    ids: list[strawberry.ID],
    decision: Decision,
    reason: str | None = None,
    blacklist: bool | None = False,
) -> BulkDecisionPayload:
    if len(ids) > MAX_IDS:
        return BulkDecisionPayload(
            results=[],
            user_errors=_error(ErrorCode.VALIDATION, f"At most {MAX_IDS} applications per call.", ("ids",)),
        )
    # Everything is resolved and the permission checked before anything is decided, so a FORBIDDEN
    # caller changes nothing. The guild is the first visible id's: ids of any other guild are absent.
    nodes = [await visible_node(info, i) for i in ids]
    guild_id = next((n.record.guild_id for n in nodes if isinstance(n, Application)), None)
    if guild_id is not None:
        info.context.require_edit(guild_id)
    actor = info.context.principal().user_id
    mine = [n for n in nodes if isinstance(n, Application) and n.record.guild_id == guild_id]
    outcomes = iter(
        await decide_each(
            info.context.container.applications,
            [n.record for n in mine],
            decision is Decision.APPROVE,
            actor,
            reason,
            bool(blacklist),
        )
    )
    results = []
    for index, node in enumerate(nodes):
        if not isinstance(node, Application) or node.record.guild_id != guild_id:
            error = _error(ErrorCode.NOT_FOUND, "No such application.", ("ids", str(index)))
            results.append(DecisionPayload.refused(None, error))
            continue
        outcome = next(outcomes)
        if isinstance(outcome, RuleViolation):
            results.append(DecisionPayload.refused(node, [UserError.of(outcome)]))
        else:
            results.append(DecisionPayload.of(outcome))
    return BulkDecisionPayload(results=results, user_errors=[])
