"""One execution per live event and subscription shape, shared by that event's subscribers.

A live event reaches every subscriber of its guild with the same object (`LiveEvent.shared`), so
subscribers that sent the same document with the same variables and hold the same permission on the
guild get the same result: it is executed once, and each subscriber only sends it. Without this, a
change seen by 500 dashboards on a replica was executed 500 times (most of the fan-out's CPU).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from graphql import OperationType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from ..auth import Principal


class SharedResults:
    """Kept on a live event's GraphQL object: results by subscription shape, for as long as the event."""

    def __init__(self) -> None:
        self._results: dict[tuple, asyncio.Future] = {}

    def get_or_start(self, key: tuple, start) -> asyncio.Future:
        found = self._results.get(key)
        if found is None:
            found = self._results[key] = start()
        return found


class SharedEventExecutor(StrawberryGraphQLCoreExecutionContext):
    def execute_operation(self, serially: bool | None = None) -> Any:
        shared = getattr(self.root_value, "shared_results", None)
        key = self._shape_key() if isinstance(shared, SharedResults) else None
        if key is None:
            return super().execute_operation(serially)

        def start() -> asyncio.Future:
            result = super(SharedEventExecutor, self).execute_operation(serially)
            if self.is_awaitable(result):
                return asyncio.ensure_future(result)
            done = asyncio.get_running_loop().create_future()
            done.set_result(result)
            return done

        found = shared.get_or_start(key, start)
        if found.done() and not found.cancelled() and found.exception() is None:
            return found.result()  # executed already (for most subscribers): the result as it is
        # Shielded: one subscriber leaving must not cancel the execution the others wait for.
        return asyncio.shield(found)

    def _shape_key(self) -> tuple | None:
        if self.operation.operation is not OperationType.SUBSCRIPTION or self.operation.loc is None:
            return None
        principal = getattr(self.context_value, "_principal", None)  # cached by the subscribe step
        guild_id = getattr(self.root_value, "guild_id", None)
        if not isinstance(principal, Principal) or guild_id is None:
            return None
        try:
            variables = json.dumps(self.variable_values.coerced, sort_keys=True, default=str)
        except (TypeError, ValueError):
            return None
        # The document by its text (each websocket parses its own copy) and the operation by its place in it.
        document = (self.operation.loc.source.body, self.operation.loc.start)
        return (document, variables, principal.perms.get(guild_id, frozenset()))
