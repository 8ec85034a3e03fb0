"""Throttle of everything under /auth, per client address, shared by the replicas (the buckets are in
the database): each callback spends the application's Discord rate limit, so an outsider hammering
/auth could otherwise lock every staff member out of the login."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request

from ..request_limits import TokenBucket
from ..settings import ApiSettings
from ..store.rate_buckets import RateBuckets


def auth_throttle(settings: ApiSettings) -> Callable[[Request], Awaitable[None]]:
    """A FastAPI dependency: 429 with Retry-After past AUTH_BURST / AUTH_RATE_PER_MINUTE for an address.
    The address is the client's as uvicorn sees it: behind a proxy, set FORWARDED_ALLOW_IPS to it."""
    bucket = TokenBucket(settings.auth_rate_per_minute, settings.auth_burst)

    async def throttle(request: Request) -> None:
        address = request.client.host if request.client else "unknown"
        buckets = RateBuckets(request.app.state.container.database)
        decision = await buckets.take(f"auth:{address}", bucket, 1, time.time())
        if not decision.allowed:
            wait = math.ceil(decision.retry_after or 60)
            raise HTTPException(
                429,
                f"Too many sign-in requests from this address; try again in {wait} s.",
                headers={"Retry-After": str(wait), "Cache-Control": "no-store"},
            )

    return throttle
