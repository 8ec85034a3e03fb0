"""The envelope every message travels in (DESIGN.md, "Messages").

    {"id": "<uuid4>", "type": "<dotted.type>", "version": 1, "guild_id": "<snowflake>",
     "occurred_at": "<ISO 8601 UTC>", "data": {...}}

The envelope is validated on its own; its data is validated against the registered contract by
bus.contracts.parse(), so a consumer can still log the id and type of a message whose body is bad.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from bus.contracts.registry import Contract, kind_of, validate_data
from bus.contracts.types import GuildId, UtcDateTime, utcnow
from bus.errors import MalformedMessage

_TYPE_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"


class Envelope(BaseModel):
    # frozen: one envelope object is handed to a handler and may be retried; nobody should edit it.
    # extra="ignore": a later envelope field must not make older consumers dead-letter everything.
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str = Field(pattern=_TYPE_PATTERN, max_length=100)
    version: int = Field(default=1, ge=1)
    guild_id: GuildId
    occurred_at: UtcDateTime = Field(default_factory=utcnow)
    data: dict[str, Any] = Field(default_factory=dict)

    # The typed body, filled by bus.contracts.parse() on first use.
    _typed: Contract | None = PrivateAttr(default=None)

    @field_validator("id")
    @classmethod
    def _uuid(cls, value: str) -> str:
        # Canonical lowercase form, so the same id always dedups as the same string.
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise ValueError("id must be a UUID string") from None

    @classmethod
    def new(
        cls,
        type: str,
        guild_id: int | str,
        data: Contract | dict[str, Any] | None = None,
        *,
        version: int | None = None,
        occurred_at: datetime | None = None,
        id: str | None = None,
    ) -> Envelope:
        """Build an envelope with a fresh uuid4 id and the current UTC time.

        data may be the body model or a plain dict. A dict of a registered type is validated and
        normalised (ints to snowflake strings, times to UTC) so a producer's mistake fails here, in
        its own process, instead of in the consumer's dead-letter queue.
        """
        if isinstance(data, Contract):
            if data.TYPE and data.TYPE != type:
                raise ValueError(f"a {type} envelope cannot carry a {data.TYPE} body")
            version = version or data.VERSION or 1
            typed: Contract | None = data
        else:
            version = version or 1
            typed = validate_data(type, version, data or {}) if kind_of(type) else None
        body = typed.model_dump(mode="json") if typed is not None else dict(data or {})
        fields: dict[str, Any] = {"type": type, "version": version, "guild_id": guild_id, "data": body}
        if occurred_at is not None:
            fields["occurred_at"] = occurred_at
        if id is not None:
            fields["id"] = id
        env = cls(**fields)
        env._typed = typed
        return env

    def __eq__(self, other: object) -> bool:
        # Fields only: the cached typed body is not part of the message.
        if not isinstance(other, Envelope):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash(self.id)

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, body: bytes | str) -> Envelope:
        """Decode a message body; anything that is not a valid envelope is a MalformedMessage."""
        try:
            return cls.model_validate_json(body)
        except ValidationError as exc:
            errors = exc.errors()
            if errors and errors[0]["type"] == "json_invalid":
                raise MalformedMessage(f"body is not JSON: {errors[0]['msg']}") from None
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}" for e in errors[:5])
            raise MalformedMessage(f"bad envelope: {problems}") from None
