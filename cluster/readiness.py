"""Which of this node's shards are connected and ready."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from enum import StrEnum


class ShardState(StrEnum):
    WAITING = "waiting"  # not connected yet
    CONNECTING = "connecting"  # READY received, guilds still arriving
    READY = "ready"  # on_shard_ready (or resumed)
    DISCONNECTED = "disconnected"  # lost; discord.py is reconnecting


class ShardReadiness:
    def __init__(self, shard_ids: Iterable[int]) -> None:
        self._states: dict[int, ShardState] = {i: ShardState.WAITING for i in shard_ids}
        self._events: dict[int, asyncio.Event] = {i: asyncio.Event() for i in self._states}
        self.ever_ready: set[int] = set()

    def _set(self, shard_id: int, state: ShardState) -> None:
        if shard_id not in self._states:
            return
        self._states[shard_id] = state
        if state is ShardState.READY:
            self.ever_ready.add(shard_id)
            self._events[shard_id].set()
        else:
            self._events[shard_id].clear()

    def connecting(self, shard_id: int) -> None:
        self._set(shard_id, ShardState.CONNECTING)

    def ready(self, shard_id: int) -> None:
        self._set(shard_id, ShardState.READY)

    def disconnected(self, shard_id: int) -> None:
        self._set(shard_id, ShardState.DISCONNECTED)

    def state(self, shard_id: int) -> ShardState:
        return self._states[shard_id]

    @property
    def shard_ids(self) -> list[int]:
        return sorted(self._states)

    @property
    def ready_shards(self) -> frozenset[int]:
        return frozenset(i for i, s in self._states.items() if s is ShardState.READY)

    def is_ready(self, shard_id: int | None = None) -> bool:
        """One shard, or (None) every shard of the node."""
        if shard_id is None:
            return bool(self._states) and all(s is ShardState.READY for s in self._states.values())
        return self._states.get(shard_id) is ShardState.READY

    async def wait_ready(self, shard_id: int | None = None) -> None:
        ids = self.shard_ids if shard_id is None else [shard_id]
        await asyncio.gather(*(self._events[i].wait() for i in ids))

    def snapshot(self) -> dict[str, str]:
        return {str(i): str(s) for i, s in sorted(self._states.items())}
