"""What the api and the cluster share: message contracts, topology, routing, and the bus itself.

    bus = make_bus(settings.rabbitmq_url)        # "" -> in-process twin (embedded default)
    await bus.start()
    await bus.publish_event(Envelope.new("member.left", guild_id, MemberLeft(user_id=..., left_at=...)))
    await bus.consume_commands(my_shards, handler)

See bus/README.md for the messages and the guarantees.
"""

from typing import Any

from bus.base import BatchHandler, Bus, BusStats, Handler
from bus.contracts import Kind, parse, parse_as, register
from bus.envelope import Envelope
from bus.errors import (
    BrokerUnavailable,
    BusError,
    MalformedMessage,
    PublishFailed,
    Refused,
    TopologyMismatch,
    Unroutable,
)
from bus.memory import MemoryBus
from bus.rabbit import RabbitBus
from bus.replies import command_completed
from bus.routing import shard_for

_MEMORY_OPTIONS = {"delivery_limit", "retry_delay", "dedup_size", "close_timeout"}


def make_bus(url: str, **opts: Any) -> Bus:
    """RabbitBus for a broker URL; the in-process MemoryBus when url is empty (options that only
    make sense for a broker, like prefetch or publish_timeout, are ignored then)."""
    if not url:
        return MemoryBus(**{k: v for k, v in opts.items() if k in _MEMORY_OPTIONS})
    return RabbitBus(url, **opts)


__all__ = [
    "BatchHandler",
    "BrokerUnavailable",
    "Bus",
    "BusError",
    "BusStats",
    "Envelope",
    "Handler",
    "Kind",
    "MalformedMessage",
    "MemoryBus",
    "PublishFailed",
    "RabbitBus",
    "Refused",
    "TopologyMismatch",
    "Unroutable",
    "command_completed",
    "make_bus",
    "parse",
    "parse_as",
    "register",
    "shard_for",
]
