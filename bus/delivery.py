"""Checks both implementations apply on either side of the wire, so they agree on what is malformed."""

from __future__ import annotations

import logging

from bus.base import BusStats, Handler
from bus.contracts.parsing import parse
from bus.contracts.registry import Kind, kind_of
from bus.envelope import Envelope


def decode(body: bytes, kind: Kind) -> Envelope:
    """Envelope of a delivered body, its data validated against its contract (and cached on it).

    Raises MalformedMessage: bad JSON, bad envelope, unknown type or version, bad fields, or a
    message of another kind than the queue carries.
    """
    env = Envelope.from_json(body)
    parse(env, kind=kind)
    return env


def ensure_publishable(env: Envelope, kind: Kind) -> None:
    """Refuse to publish what no consumer could handle: a producer bug is caught in the producer
    instead of in the consumer's dead-letter queue.

    ValueError for a type that is unknown or of another kind (the wrong exchange); MalformedMessage
    for a body that does not match its contract. Free for envelopes built by Envelope.new, whose
    typed body is already cached.
    """
    actual = kind_of(env.type)
    if actual is None:
        raise ValueError(f"{env.type!r} is not a registered message type")
    if actual is not kind:
        raise ValueError(f"{env.type} is a {actual} message where {kind} messages are expected")
    parse(env)


def backoff(base: float, attempt: int, cap: float) -> float:
    """Exponential delay before retry number attempt (1-based)."""
    return min(cap, base * 2 ** (attempt - 1))


async def hand_live(handler: Handler, env: Envelope, stats: BusStats, log: logging.Logger) -> None:
    """Live notifications are not work: a failing handler is logged and the notification dropped."""
    try:
        await handler(env)
    except Exception:
        stats.failed += 1
        log.exception("live handler failed for %s %s; notification dropped", env.type, env.id)
    else:
        stats.consumed += 1
