"""The audit log: who did what to a guild's partnerships, when, with the state before and after.

Entries are written through the guild journal, in the same atomic commit as the change they
describe, so the log can never disagree with the state (an entry exists exactly when the change does).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..clock import as_utc
from .database import Database
from .paging import keyset_page


class AuditRepository:
    def __init__(self, database: Database):
        self._coll = database.audit_log

    async def page(
        self, guild_id: int, first: int, after: tuple[datetime, str] | None
    ) -> tuple[list[dict[str, Any]], bool]:
        docs, more = await keyset_page(self._coll, {"guild_id": str(guild_id)}, "at", first, after, descending=True)
        return [{**d, "at": as_utc(d["at"])} for d in docs], more

    async def count(self, guild_id: int) -> int:
        return await self._coll.count_documents({"guild_id": str(guild_id)})
