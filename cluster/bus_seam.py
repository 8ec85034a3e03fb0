"""SEAM: the one place where cluster/ meets the message bus (``bus/``, written separately).

Until ``bus`` is wired in, the node runs on ``LocalBus`` below (in-process, nothing leaves it) and a
set RABBITMQ_URL stops start-up with a clear message rather than being silently ignored.

To wire it: make ``make_bus`` return ``bus.rabbit.RabbitBus`` (RABBITMQ_URL set) or ``bus.memory.MemoryBus``,
and replace ``Envelope = Any`` by ``bus.envelope.Envelope``. Nothing else in cluster/ imports a bus.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from cluster.settings import ClusterSettings

Envelope = Any  # bus.envelope.Envelope once wired: {id, type, version, guild_id, occurred_at, data}
CommandHandler = Callable[[Envelope], Awaitable[None]]


class BusNotWired(RuntimeError):
    """RABBITMQ_URL is set but this build of the cluster has no RabbitMQ bus yet."""


@runtime_checkable
class ClusterBus(Protocol):
    """What the cluster needs from the bus (a subset of ``bus.base.Bus``)."""

    async def start(self) -> None:
        """Connect and declare the topology. Idempotent."""

    async def close(self) -> None:
        """Stop consuming, let running handlers finish, disconnect."""

    async def publish_event(self, env: Envelope) -> None:
        """cluster -> api; returns once the broker has it."""

    async def consume_commands(self, shard_ids: Iterable[int], handler: CommandHandler) -> None:
        """Handle the commands queued for these shards; called again as more shards get ready."""


class LocalBus:
    """In-process stand-in until the bus is wired: keeps published events, and hands commands given to
    ``deliver_command`` to the handler registered for their shard."""

    def __init__(self) -> None:
        self.published: list[Envelope] = []
        self.handlers: dict[int, CommandHandler] = {}
        self.started = False

    async def start(self) -> None:
        self.started = True

    async def close(self) -> None:
        self.handlers.clear()
        self.started = False

    async def publish_event(self, env: Envelope) -> None:
        self.published.append(env)

    async def consume_commands(self, shard_ids: Iterable[int], handler: CommandHandler) -> None:
        for shard_id in shard_ids:
            self.handlers[shard_id] = handler

    async def deliver_command(self, shard_id: int, env: Envelope) -> None:
        handler = self.handlers.get(shard_id)
        if handler is None:
            raise LookupError(f"no consumer for shard {shard_id}")
        await handler(env)


def make_bus(settings: ClusterSettings) -> ClusterBus:
    if settings.rabbitmq_url.get_secret_value():
        raise BusNotWired(
            "RABBITMQ_URL is set but the RabbitMQ bus is not wired into the cluster yet (cluster/bus_seam.py)"
        )
    return LocalBus()
