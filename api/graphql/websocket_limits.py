"""Limits of the GraphQL websockets: message size, message shape, and operations held per user.

Close codes (also in the README):
- 1009 (RFC 6455 "message too big"): a message larger than WS_MAX_MESSAGE_BYTES.
- 4400 (graphql-transport-ws "bad request"): a message that is not an object with a string `type`, a
  `subscribe` without a string `id` and an object `payload` with a string `query`.
- 4429: a `subscribe` beyond WS_MAX_SUBSCRIPTIONS_PER_USER operations held by one user, over all of
  their sockets on this replica. graphql-transport-ws uses 4429 for "too many initialisation requests";
  this is the same meaning (a client asking for more than it may hold: back off), and 4409 is taken
  by "subscriber already exists".
The legacy graphql-ws protocol gets the same codes (it defines none of its own for these cases).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncGenerator
from json import JSONDecodeError
from typing import Any

from graphql import GraphQLError
from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

MESSAGE_TOO_BIG = 1009
BAD_REQUEST = 4400
TOO_MANY_SUBSCRIPTIONS = 4429


class SubscriptionQuota:
    """The websocket handlers of each user in this process, to count the operations they hold."""

    def __init__(self, per_user: int):
        self.per_user = per_user
        self._handlers: dict[int, set[Any]] = defaultdict(set)

    def full(self, user_id: int) -> bool:
        return sum(handler.held() for handler in self._handlers.get(user_id, ())) >= self.per_user

    def add(self, user_id: int, handler: Any) -> None:
        self._handlers[user_id].add(handler)

    def remove(self, user_id: int, handler: Any) -> None:
        handlers = self._handlers.get(user_id)
        if handlers is not None:
            handlers.discard(handler)
            if not handlers:
                del self._handlers[user_id]


class SizeLimitedAdapter(ASGIWebSocketAdapter):
    """Strawberry's adapter, closing with 1009 on a message over the view's `ws_max_message_bytes`."""

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object, None]:
        limit = self.view.ws_max_message_bytes
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                try:
                    text = await self.ws.receive_text()
                except KeyError as exc:  # a binary frame
                    raise NonTextMessageReceived from exc
                if len(text) > limit or len(text.encode("utf-8", "surrogatepass")) > limit:
                    await self.close(MESSAGE_TOO_BIG, f"Messages are limited to {limit} bytes")
                    return
                try:
                    yield self.view.decode_json(text)
                except JSONDecodeError as exc:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from exc
        except WebSocketDisconnect:
            pass


def _valid_operation(message: dict, payload_key: str = "payload") -> bool:
    payload = message.get(payload_key)
    return (
        isinstance(message.get("id"), str)
        and isinstance(payload, dict)
        and isinstance(payload.get("query"), str)
        and isinstance(payload.get("variables"), dict | None)
        and isinstance(payload.get("operationName"), str | None)
    )


class _Quota:
    """What both protocol handlers share: the user's quota, checked before an operation starts."""

    _quota_user: int | None = None

    def _user(self) -> int | None:
        try:
            return self.context.principal().user_id
        except GraphQLError:
            return None  # the operation itself answers UNAUTHENTICATED

    async def _within_quota(self) -> bool:
        quota: SubscriptionQuota = self.view.subscription_quota
        user_id = self._user()
        if user_id is None:
            return True
        if quota.full(user_id):
            await self.websocket.close(TOO_MANY_SUBSCRIPTIONS, f"At most {quota.per_user} subscriptions per user")
            return False
        if self._quota_user is None:
            self._quota_user = user_id
            quota.add(user_id, self)
        return True

    def _leave_quota(self) -> None:
        if self._quota_user is not None:
            self.view.subscription_quota.remove(self._quota_user, self)


class TransportWSHandler(_Quota, BaseGraphQLTransportWSHandler):
    """graphql-transport-ws with shape checks (4400) and the per-user quota (4429)."""

    def held(self) -> int:
        return len(self.operations)

    async def handle_message(self, message: Any) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.handle_invalid_message("A message is an object with a string type")
            return
        kind = message["type"]
        if kind == "subscribe":
            if not _valid_operation(message):
                await self.handle_invalid_message("subscribe needs a string id and a payload with a string query")
                return
            if self.connection_acknowledged and message["id"] not in self.operations:
                if not await self._within_quota():
                    return
        elif kind == "complete" and not isinstance(message.get("id"), str):
            await self.handle_invalid_message("complete needs a string id")
            return
        await super().handle_message(message)

    async def shutdown(self) -> None:
        self._leave_quota()
        await super().shutdown()


class LegacyWSHandler(_Quota, BaseGraphQLWSHandler):
    """The legacy graphql-ws protocol with the same checks and codes."""

    def held(self) -> int:
        return len(self.tasks)

    async def handle_message(self, message: Any) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.websocket.close(BAD_REQUEST, "A message is an object with a string type")
            return
        if message["type"] == "start":
            if not _valid_operation(message):
                await self.websocket.close(BAD_REQUEST, "start needs a string id and a payload with a string query")
                return
            if self.connection_acknowledged and message["id"] not in self.tasks:
                if not await self._within_quota():
                    return
        elif message["type"] == "stop" and not isinstance(message.get("id"), str):
            await self.websocket.close(BAD_REQUEST, "stop needs a string id")
            return
        await super().handle_message(message)

    async def cleanup(self) -> None:
        self._leave_quota()
        await super().cleanup()
