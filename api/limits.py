"""Protective limits at the edge: request size, and per-user mutation rates.

The rate limit is a token bucket per user in each API process: with N replicas behind a balancer
a user gets at most N times the rate, which still stops a runaway script; a shared limit would
need a shared store, and none of the mutations is costly enough to need it.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RequestSizeLimit:
    """Answers 413 to an HTTP request whose body exceeds `max_bytes` (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _too_large(send, self.max_bytes)


class _TooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = f'{{"errors":[{{"message":"The request is larger than {limit} bytes.","extensions":{{"code":"PAYLOAD_TOO_LARGE"}}}}]}}'
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body.encode()})


class MutationRateLimiter:
    """Token buckets per user; `take` returns 0 when allowed, else seconds until the next token."""

    def __init__(self, per_minute: int, burst: int, max_users: int = 100_000):
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._buckets: OrderedDict[int, tuple[float, float]] = OrderedDict()
        self._max_users = max_users

    def take(self, user_id: int, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        tokens, stamp = self._buckets.pop(user_id, (self._burst, now))
        tokens = min(self._burst, tokens + (now - stamp) * self._rate)
        allowed = tokens >= 1.0
        self._buckets[user_id] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self._max_users:
            self._buckets.popitem(last=False)  # the least recently seen user
        return 0.0 if allowed else (1.0 - tokens) / self._rate
