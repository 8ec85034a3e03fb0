"""Ids of our own records: time-ordered hex strings, so `_id` is a natural tie-breaker."""

from __future__ import annotations

import secrets
import time
import uuid

_EVENT_NAMESPACE = uuid.UUID("6f1c0b7e-2f4e-4a8e-9c1d-5a0b4e8f2c11")


def new_id() -> str:
    return f"{int(time.time() * 1000):012x}{secrets.token_hex(6)}"


def id_for_event(event_id: str) -> str:
    """The same event always yields the same record id: the key to handling a redelivery once."""
    return uuid.uuid5(_EVENT_NAMESPACE, event_id).hex[:24]
