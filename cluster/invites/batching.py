"""Per-guild batching of joins: joins that arrive together in one guild share one invite fetch.

Each guild with activity gets a small state (created on the first join, dropped when idle): the
joins waiting, a lock, and one worker task. A batch closes ``window`` seconds after its first join
arrived, or when the lock frees if the previous batch took longer; so a guild costs at most one fetch
per ``window`` however many members join. The lock is also taken by the snapshot fetch, so a batch
never compares against a snapshot that is being replaced.

While a batch is processed (under the lock), joins that arrive wait for the next batch, unless the
processor ``absorb``s them: used when the fetch already counts uses of joins whose GUILD_MEMBER_ADD
had not arrived yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class _GuildState(Generic[T]):
    __slots__ = ("arrived", "first_at", "lock", "pending", "task", "users")

    def __init__(self) -> None:
        self.pending: list[T] = []
        self.first_at = 0.0
        self.lock = asyncio.Lock()
        self.arrived = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.users = 0  # holders of locked() besides the worker


class Batch(Generic[T]):
    """The joins of one batch; ``absorb`` pulls in joins that arrive while it is processed."""

    def __init__(self, state: _GuildState[T], items: list[T]) -> None:
        self._state = state
        self.items = items

    async def absorb(self, wanted: Callable[[list[T]], bool], within: float) -> None:
        """Move newly arrived joins into this batch, one at a time, while ``wanted(items)`` holds,
        waiting at most ``within`` seconds in all."""
        state = self._state
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while wanted(self.items):
            if state.pending:
                self.items.append(state.pending.pop(0))
                continue
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            state.arrived.clear()
            try:
                await asyncio.wait_for(state.arrived.wait(), remaining)
            except TimeoutError:
                return


Processor = Callable[[int, Batch[T]], Awaitable[None]]


class GuildBatches(Generic[T]):
    def __init__(self, process: Processor[T], *, window: float = 0.75) -> None:
        self._process = process
        self.window = window
        self._guilds: dict[int, _GuildState[T]] = {}
        self.batches_run = 0

    def add(self, guild_id: int, item: T) -> None:
        """Queue a join; the guild's worker starts if it is not running."""
        state = self._guilds.get(guild_id)
        if state is None:
            state = self._guilds[guild_id] = _GuildState()
        if not state.pending:
            state.first_at = asyncio.get_running_loop().time()
        state.pending.append(item)
        state.arrived.set()
        if state.task is None:
            state.task = asyncio.create_task(self._run(guild_id, state), name=f"joins-{guild_id}")

    @contextlib.asynccontextmanager
    async def locked(self, guild_id: int) -> AsyncIterator[None]:
        """Hold the guild's lock (the snapshot fetch): no batch is processed meanwhile."""
        state = self._guilds.get(guild_id)
        if state is None:
            state = self._guilds[guild_id] = _GuildState()
        state.users += 1
        try:
            async with state.lock:
                yield
        finally:
            state.users -= 1
            self._maybe_drop(guild_id, state)

    def pending(self, guild_id: int) -> int:
        state = self._guilds.get(guild_id)
        return len(state.pending) if state is not None else 0

    def active_guilds(self) -> int:
        return len(self._guilds)

    async def _run(self, guild_id: int, state: _GuildState[T]) -> None:
        loop = asyncio.get_running_loop()
        try:
            while state.pending:
                delay = state.first_at + self.window - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                async with state.lock:
                    items, state.pending = state.pending, []
                    if not items:
                        continue
                    self.batches_run += 1
                    try:
                        await self._process(guild_id, Batch(state, items))
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        log.exception("guild %s: processing %d joins failed", guild_id, len(items))
                # joins that arrived meanwhile form the next batch: it closes `window` after the first
                # of them arrived, at once if processing took longer than that
        finally:
            state.task = None
            self._maybe_drop(guild_id, state)

    def _maybe_drop(self, guild_id: int, state: _GuildState[T]) -> None:
        if state.task is None and not state.pending and state.users == 0 and not state.lock.locked():
            if self._guilds.get(guild_id) is state:
                del self._guilds[guild_id]

    def forget(self, guild_id: int) -> None:
        state = self._guilds.pop(guild_id, None)
        if state is not None and state.task is not None:
            state.task.cancel()

    async def close(self) -> None:
        tasks = [s.task for s in self._guilds.values() if s.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._guilds.clear()
