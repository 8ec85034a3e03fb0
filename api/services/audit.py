"""Audit entries as journal items (see `api.store.audit`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..store.documents import sid
from . import journal_items as J
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
) -> dict[str, Any]:
    """actor None = an automatic decision (e.g. a blacklisted server's application denied)."""
    doc = {
        "_id": new_id(),
        "guild_id": str(guild_id),
        "at": at,
        "actor_id": sid(actor),
        "action": action,
        "target_id": target,
        "before": before,
        "after": after,
        "reason": reason,
    }
    return J.insert("audit_log", doc)
