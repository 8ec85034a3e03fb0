"""Reading an envelope's typed body (kept apart from the registry, which the envelope itself uses)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from bus.contracts.registry import Contract, Kind, validate_data
from bus.errors import MalformedMessage

if TYPE_CHECKING:  # only for annotations: bus.envelope imports the registry, this reads envelopes
    from bus.envelope import Envelope

C = TypeVar("C", bound=Contract)


def parse(envelope: Envelope, *, kind: Kind | None = None) -> Contract:
    """The typed body of an envelope. With kind, a message of another kind is malformed too (a
    command that somehow reached the events queue must not be handled as an event).

    The result is cached on the envelope: the consumer validates before dispatching (so a bad body is
    dead-lettered, never handed to a handler) and the handler's own parse() call then costs nothing.
    """
    cached = envelope._typed
    if cached is None:
        cached = validate_data(envelope.type, envelope.version, envelope.data)
        envelope._typed = cached
    if kind is not None and cached.KIND is not kind:
        raise MalformedMessage(f"{envelope.type} is a {cached.KIND} message where {kind} messages are expected")
    return cached


def parse_as(envelope: Envelope, model: type[C]) -> C:
    """parse() narrowed to the model a handler expects, e.g. parse_as(env, MemberJoined)."""
    data = parse(envelope)
    if not isinstance(data, model):
        raise MalformedMessage(f"{envelope.type} v{envelope.version} is not a {model.__name__}")
    return data
