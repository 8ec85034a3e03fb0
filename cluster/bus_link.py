"""The one place where cluster/ meets the message bus (``bus/``).

``make_bus`` gives the RabbitMQ bus when RABBITMQ_URL is set and the in-process twin otherwise.
``LocalBus`` is a minimal in-process stand-in the cluster tests drive directly (``deliver_command``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bus import Envelope
from bus import make_bus as _make_bus

if TYPE_CHECKING:
    from cluster.settings import ClusterSettings

# The bus hands each command to this (PartnersBot.handle_command).
CommandConsumer = Callable[[Envelope], Awaitable[None]]

__all__ = ["ClusterBus", "CommandConsumer", "Envelope", "LocalBus", "make_bus"]


@runtime_checkable
class ClusterBus(Protocol):
    """What the cluster needs from the bus (a subset of ``bus.base.Bus``)."""

    async def start(self) -> None:
        """Connect and declare the topology. Idempotent."""

    async def close(self) -> None:
        """Stop consuming, let running handlers finish, disconnect."""

    async def publish_event(self, env: Envelope) -> None:
        """cluster -> api; returns once the broker has it."""

    async def consume_commands(self, shard_ids: Iterable[int], handler: CommandConsumer) -> None:
        """Handle the commands queued for these shards; called again as more shards get ready."""


class LocalBus:
    """In-process stand-in for tests: keeps published events, and hands commands given to
    ``deliver_command`` to the handler registered for their shard."""

    def __init__(self) -> None:
        self.published: list[Envelope] = []
        self.handlers: dict[int, CommandConsumer] = {}
        self.started = False

    async def start(self) -> None:
        self.started = True

    async def close(self) -> None:
        self.handlers.clear()
        self.started = False

    async def publish_event(self, env: Envelope) -> None:
        self.published.append(env)

    async def consume_commands(self, shard_ids: Iterable[int], handler: CommandConsumer) -> None:
        for shard_id in shard_ids:
            self.handlers[shard_id] = handler

    async def deliver_command(self, shard_id: int, env: Envelope) -> None:
        handler = self.handlers.get(shard_id)
        if handler is None:
            raise LookupError(f"no consumer for shard {shard_id}")
        await handler(env)

    def events(self, type_: str) -> list[Envelope]:
        return [e for e in self.published if e.type == type_]


def make_bus(settings: ClusterSettings) -> ClusterBus:
    return _make_bus(
        settings.rabbitmq_url.get_secret_value(),
        shard_count=settings.shard_count,
        close_timeout=settings.shutdown_grace_seconds,
    )
