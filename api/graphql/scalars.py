"""Custom scalars. Snowflakes are decimal strings on the wire (a 64-bit id does not fit a JSON number)."""

from __future__ import annotations

from typing import NewType

import strawberry

from ..domain.errors import RuleViolation
from ..domain.snowflake import parse_snowflake

Snowflake = NewType("Snowflake", int)


def _parse(value: object) -> int:
    try:
        return parse_snowflake(value)
    except RuleViolation as violation:
        raise ValueError(violation.message) from None


SCALAR_MAP = {
    Snowflake: strawberry.scalar(
        name="Snowflake",
        description="Discord snowflake id (64-bit). Serialized as a decimal string; inputs accept a decimal string.",
        serialize=str,
        parse_value=_parse,
    )
}
