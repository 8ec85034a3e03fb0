"""Protective limits at the edge: the request size limit, and the token bucket of the rate limits
(mutation fields per user, /auth requests per client address).

The buckets live in the database (api/store/rate_buckets.py), shared by every replica: with N replicas
behind a balancer a user still gets the rate once, not N times.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Decision:
    """allowed, or refused with `retry_after` seconds (None: the cost exceeds the burst, never allowed)."""

    allowed: bool
    retry_after: float | None = None


ALLOWED = Decision(True)


@dataclass(frozen=True)
class BucketState:
    tokens: float
    stamp: float  # wall-clock seconds (time.time()): comparable between replicas


@dataclass(frozen=True)
class TokenBucket:
    """A token bucket: `burst` tokens at most, refilled at `per_minute` a minute; a request takes `cost`.

    Pure arithmetic on a BucketState; where the state lives (a shared store, so one user's limit holds
    across replicas) is the caller's business."""

    per_minute: int
    burst: int

    @property
    def rate(self) -> float:
        return self.per_minute / 60.0

    def take(self, state: BucketState | None, cost: int, now: float) -> tuple[Decision, BucketState]:
        """The decision and the state to store (unchanged when refused)."""
        if state is None:
            state = BucketState(float(self.burst), now)
        tokens = min(float(self.burst), state.tokens + max(0.0, now - state.stamp) * self.rate)
        if cost > self.burst:
            return Decision(False, None), state
        if tokens >= cost:
            return ALLOWED, BucketState(tokens - cost, now)
        return Decision(False, (cost - tokens) / self.rate), state

    def full_at(self, state: BucketState) -> float:
        """When the bucket is full again: after that, a forgotten state is the same as a stored one."""
        return state.stamp + (self.burst - state.tokens) / self.rate
