"""A guild's applications or partnerships as the dashboard lists them: by status and `search`,
paged by keyset on the record's time and counted with the same filter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any, Generic, TypeVar

from .paging import keyset_page
from .search import with_search

Record = TypeVar("Record")
Status = TypeVar("Status", bound=Enum)


def _listed(guild_id: int, status: Enum | None, search: str | None) -> dict[str, Any]:
    query: dict[str, Any] = {"guild_id": str(guild_id)}
    if status is not None:
        query["status"] = status.value
    return with_search(query, search)


class GuildListing(Generic[Record, Status]):
    """Base of a repository whose documents a guild lists: `coll` holds them, `time_field` orders
    them and `from_doc` reads one."""

    def __init__(self, coll: Any, time_field: str, from_doc: Callable[[dict[str, Any]], Record]):
        self._coll = coll
        self._time_field = time_field
        self._from_doc = from_doc

    async def page(
        self,
        guild_id: int,
        status: Status | None,
        first: int,
        after: tuple[datetime, str] | None,
        newest_first: bool,
        search: str | None = None,
    ) -> tuple[list[Record], bool]:
        query = _listed(guild_id, status, search)
        docs, more = await keyset_page(self._coll, query, self._time_field, first, after, newest_first)
        return [self._from_doc(d) for d in docs], more

    async def count(self, guild_id: int, status: Status | None, search: str | None = None) -> int:
        return await self._coll.count_documents(_listed(guild_id, status, search))
