"""Audit entries, recorded in the same commit as the change they describe (see `api.store.audit`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.records import AuditRecorded
from .ids import new_id


def entry(
    guild_id: int,
    at: datetime,
    actor: int | None,
    action: str,
    target: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditRecorded:
    """actor None = an automatic decision (e.g. a blacklisted server's application denied)."""
    return AuditRecorded(new_id(), guild_id, at, actor, action, target, before, after, reason)
