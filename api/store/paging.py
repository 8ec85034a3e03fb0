"""Keyset pagination on (time, _id): stable under inserts, cheap at any depth."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING


async def keyset_page(
    collection: Any,
    base_filter: dict[str, Any],
    time_field: str,
    first: int,
    after: tuple[datetime, str] | None,
    descending: bool = False,
) -> tuple[list[dict[str, Any]], bool]:
    """Up to `first` documents after the key `after`, and whether more follow."""
    query = dict(base_filter)
    if after is not None:
        at, last_id = after
        cmp = "$lt" if descending else "$gt"
        query["$or"] = [{time_field: {cmp: at}}, {time_field: at, "_id": {cmp: last_id}}]
    direction = DESCENDING if descending else ASCENDING
    cursor = collection.find(query).sort([(time_field, direction), ("_id", direction)]).limit(first + 1)
    docs = [doc async for doc in cursor]
    return docs[:first], len(docs) > first
