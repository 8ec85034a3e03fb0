"""The filter behind `search:` on applications and partnerships: a partner server's id, or part of its name."""

from __future__ import annotations

import re
from typing import Any


def partner_match(search: str) -> dict[str, Any]:
    """Case-insensitive substring of the partner's name; digits also match the partner's id exactly.
    The text is escaped, so it is never a pattern of the caller's making."""
    text = search.strip()
    by_name = {"partner.name": {"$regex": re.escape(text), "$options": "i"}}
    if text.isdigit():
        return {"$or": [{"partner.id": text}, by_name]}
    return by_name


def with_search(query: dict[str, Any], search: str | None) -> dict[str, Any]:
    # Under $and: keyset paging puts its own $or on the query.
    return query if not search else {**query, "$and": [partner_match(search)]}
