"""Typed failures of the bus, so callers can tell "retry later" from "this message is broken"."""

from __future__ import annotations


class BusError(Exception):
    """Base class of every error the bus raises on purpose."""


class MalformedMessage(BusError):
    """A body that can never be handled: bad JSON, unknown type or version, missing or bad fields.

    Consumers dead-letter such a message at once instead of retrying it, because no retry can fix it.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Refused(MalformedMessage):
    """A well-formed message the receiver refuses for good, e.g. one that names a record of another
    guild than its envelope's. Dead-lettered at once like a malformed one (kept for inspection),
    never applied and never retried: a forged or confused message stays wrong on every delivery."""


class PublishFailed(BusError):
    """The broker did not take the message within the publish timeout (outage, nacks)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unroutable(PublishFailed):
    """The broker returned a mandatory message: no queue is bound for its routing key.

    Raised at once, never retried: it means the topology is missing, which waiting does not fix.
    """


class TopologyMismatch(BusError):
    """A queue or exchange already exists with other arguments (e.g. another delivery limit).

    Every process must declare the same topology; RabbitMQ refuses a redeclaration that differs.
    """


class BrokerUnavailable(BusError):
    """The broker could not be reached when starting, within the connect timeout."""
