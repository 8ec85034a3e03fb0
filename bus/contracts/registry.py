"""The registry of message contracts: type -> version -> model, and validating a body against it.

Each message body is a pydantic model registered under its dotted type, a version and a kind (event,
command or live). A breaking change to a body is a new version registered beside the old one, so a
consumer can read both while producers move over; parse() refuses versions nobody registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from bus.errors import MalformedMessage


class Kind(StrEnum):
    EVENT = "event"  # cluster -> api, exchange partners.events
    COMMAND = "command"  # api -> cluster, exchange partners.commands
    LIVE = "live"  # api replica -> every api replica, exchange partners.live


class Contract(BaseModel):
    """Base of every message body.

    extra="ignore": a newer producer may add optional fields without breaking older consumers (they
    drop what they do not know). Required fields stay strictly required: a body missing one is
    malformed and goes to the dead-letter queue.
    """

    model_config = ConfigDict(extra="ignore")

    # Set by @register; lets Envelope.new take the version from the model instead of the caller.
    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 0
    KIND: ClassVar[Kind | None] = None


@dataclass(frozen=True)
class Registered:
    type: str
    version: int
    kind: Kind
    model: type[Contract]


_REGISTRY: dict[str, dict[int, Registered]] = {}

C = TypeVar("C", bound=Contract)


def register(type_: str, *, kind: Kind, version: int = 1) -> Callable[[type[C]], type[C]]:
    """Class decorator adding a body model to the registry. Public so that a process can add its
    own message types (e.g. api-only live notifications) without editing bus/."""

    def decorate(model: type[C]) -> type[C]:
        versions = _REGISTRY.setdefault(type_, {})
        if version in versions:
            raise ValueError(f"{type_} v{version} is already registered")
        # One type cannot be an event in v1 and a command in v2: the kind picks the exchange.
        if any(r.kind is not kind for r in versions.values()):
            raise ValueError(f"{type_} is already registered with another kind")
        model.TYPE, model.VERSION, model.KIND = type_, version, kind
        versions[version] = Registered(type_, version, kind, model)
        return model

    return decorate


def lookup(type_: str, version: int) -> Registered:
    """The contract of (type, version), or MalformedMessage saying what is unknown."""
    versions = _REGISTRY.get(type_)
    if versions is None:
        raise MalformedMessage(f"unknown message type {type_!r}")
    found = versions.get(version)
    if found is None:
        known = ", ".join(str(v) for v in sorted(versions))
        raise MalformedMessage(f"unsupported version {version} of {type_!r} (known: {known})")
    return found


def kind_of(type_: str) -> Kind | None:
    versions = _REGISTRY.get(type_)
    return next(iter(versions.values())).kind if versions else None


def registered(kind: Kind | None = None) -> list[Registered]:
    """Every registered contract (optionally of one kind), sorted by type then version."""
    out = [r for versions in _REGISTRY.values() for r in versions.values()]
    return sorted((r for r in out if kind is None or r.kind is kind), key=lambda r: (r.type, r.version))


def validate_data(type_: str, version: int, data: Any) -> Contract:
    """Validate a body against its contract; every failure is a MalformedMessage with a readable reason."""
    contract = lookup(type_, version)
    try:
        return contract.model.model_validate(data)
    except ValidationError as exc:
        raise MalformedMessage(f"bad data for {type_} v{version}: {_short(exc)}") from None


def _short(exc: ValidationError) -> str:
    # The first few problems, as "field.path: message"; enough to fix a producer from a log line.
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "(body)"
        parts.append(f"{loc}: {err['msg']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
