"""Opaque global ids (`Node.id`) and pagination cursors."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from .errors import bad_input

NODE_TYPES = ("Application", "Partnership")


def to_global_id(type_name: str, record_id: str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{record_id}".encode()).decode().rstrip("=")


def from_global_id(global_id: str) -> tuple[str, str] | None:
    """(type, record id), or None when the id is not one of ours (treated as absent)."""
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, _, record_id = raw.partition(":")
    if type_name not in NODE_TYPES or not record_id or len(record_id) > 64:
        return None
    return type_name, record_id


def encode_cursor(scope: str, at: datetime, record_id: str) -> str:
    """`scope` names the connection and its filters, so a cursor only works where it came from."""
    payload = json.dumps({"s": scope, "t": int(at.timestamp() * 1000), "i": record_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, scope: str) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if raw["s"] != scope:
            raise bad_input("This cursor belongs to another list or filter; start again without `after`.")
        return datetime.fromtimestamp(raw["t"] / 1000, UTC), str(raw["i"])
    except (ValueError, KeyError, TypeError, binascii.Error, OverflowError, OSError):  # OS: a year past 9999
        raise bad_input("`after` is not a cursor this API issued.") from None


def check_first(first: int | None) -> int:
    if first is None:
        return 25
    if not 0 <= first <= 100:
        raise bad_input("`first` must be between 0 and 100.")
    return first
