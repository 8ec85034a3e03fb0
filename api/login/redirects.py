"""Where a finished login may send the browser: a path on this site, nothing else (no open redirect)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

DEFAULT = "/"
_MAX_LENGTH = 512  # it travels in the state cookie


def safe_redirect(value: str | None) -> str:
    """`value` if it is a relative path, else "/". Refused: absolute URLs, scheme-relative `//host`,
    backslashes (browsers read `/\\host` as `//host`) and control characters (browsers drop tabs and
    newlines, which could turn `/\\t/host` into `//host`)."""
    if not value or len(value) > _MAX_LENGTH or not value.startswith("/") or value.startswith("//"):
        return DEFAULT
    if "\\" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return DEFAULT
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return DEFAULT
    # The fragment is dropped: the login puts the access token there.
    return urlunsplit(("", "", parts.path, parts.query, "")) or DEFAULT
