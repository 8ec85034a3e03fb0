"""The Bus interface shared by the RabbitMQ implementation and its in-memory twin."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Protocol, Self, runtime_checkable

from bus.envelope import Envelope

Handler = Callable[[Envelope], Awaitable[None]]
"""A consumer callback. Return = the work is stored and the message may be acked; raise = retry."""

BatchHandler = Callable[[list[Envelope]], Awaitable[list[BaseException | None]]]
"""A consumer callback for many events at once, in delivery order: one outcome per event, in the same
order (None = stored, ack it; an exception = retry that event). Keeps each guild's order itself."""


@dataclass
class BusStats:
    """Counters for metrics. Plain ints, only ever increased, read with snapshot()."""

    published: int = 0  # messages the broker confirmed
    publish_retries: int = 0  # publish attempts repeated after an outage or a nack
    consumed: int = 0  # deliveries whose handler returned
    failed: int = 0  # handler attempts that raised (each retry counts)
    dead_lettered: int = 0  # messages this process sent to the dead-letter queue (malformed or out of retries)
    malformed: int = 0  # of those, bodies that could never be handled
    duplicates: int = 0  # deliveries skipped because the id was handled recently
    reconnects: int = 0  # broker connections re-established after a loss

    def count_reconnect(self, *_: object) -> None:
        """Callback for aio-pika's reconnect_callbacks."""
        self.reconnects += 1

    def snapshot(self) -> dict[str, int]:
        return asdict(self)


class BusLifetime:
    """``async with bus:`` starts the bus and closes it after, for either implementation."""

    async def start(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


@runtime_checkable
class Bus(Protocol):
    """Messaging between the api and the cluster (DESIGN.md, "Messages").

    Delivery is at least once; handlers must be idempotent on envelope.id. Messages of one guild are
    handled one at a time in delivery order; different guilds concurrently.
    """

    stats: BusStats

    async def start(self) -> None:
        """Connect and declare the topology. Idempotent."""

    async def close(self) -> None:
        """Stop consuming, let running handlers finish (bounded), disconnect."""

    async def publish_event(self, env: Envelope) -> None:
        """cluster -> api. Returns once the broker has the message (persisted, confirmed)."""

    async def publish_command(self, env: Envelope, shard_count: int) -> int:
        """api -> the cluster node of shard_for(env.guild_id, shard_count). Returns that shard."""

    async def publish_live(self, env: Envelope) -> None:
        """api replica -> every api replica (fanout, fire and forget if nobody listens)."""

    async def consume_events(self, handler: Handler, batch: BatchHandler | None = None) -> None:
        """Handle events (competing consumers: each event goes to one api replica). With `batch`, an
        implementation may hand over many events at once instead (the in-process bus does not)."""

    async def consume_commands(self, shard_ids: Iterable[int], handler: Handler) -> None:
        """Handle the commands of these shards. May be called again to add shards as they get ready."""

    async def consume_live(self, handler: Handler) -> None:
        """Receive every live notification published from now on, in publish order."""
