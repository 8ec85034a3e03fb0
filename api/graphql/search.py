"""The `search:` argument of the applications and partnerships lists."""

from __future__ import annotations

import hashlib

from .errors import bad_input

MAX_SEARCH = 100


def check_search(search: str | None) -> str | None:
    """The text to look for, or None for no filter (blank counts as none)."""
    if search is None or not search.strip():
        return None
    if len(search) > MAX_SEARCH:
        raise bad_input(f"`search` is at most {MAX_SEARCH} characters.")
    return search.strip()


def search_scope(search: str | None) -> str:
    # A cursor only continues the same search; hashed so cursors stay short whatever was typed.
    return "" if search is None else ":q" + hashlib.sha256(search.encode()).hexdigest()[:16]
