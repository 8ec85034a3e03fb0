"""Discord snowflakes: 64-bit unsigned ids, decimal strings on the wire."""

from __future__ import annotations

from .errors import ErrorCode, RuleViolation

MAX_SNOWFLAKE = 2**64 - 1


def parse_snowflake(value: object, field: tuple[str, ...] | None = None) -> int:
    """A positive 64-bit id from a decimal string (or int); anything else is a VALIDATION error."""
    if isinstance(value, bool):
        raise RuleViolation(ErrorCode.VALIDATION, "Expected a Discord id (a decimal string).", field)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        number = int(value)
    else:
        raise RuleViolation(ErrorCode.VALIDATION, f"{str(value)[:40]!r} is not a Discord id.", field)
    if not 0 < number <= MAX_SNOWFLAKE:
        raise RuleViolation(ErrorCode.VALIDATION, f"{number} is out of range for a Discord id.", field)
    return number


def is_snowflake(value: object) -> bool:
    try:
        parse_snowflake(value)
    except RuleViolation:
        return False
    return True
