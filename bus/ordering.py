"""Per-key sequential execution: jobs with one key run one after another in submission order, jobs
with different keys run concurrently.

Consumers key by guild id. Two events of one guild (a join, then a leave) must be applied in the
order Discord produced them, while a slow guild must not hold up the others. Each key with pending
work has one worker task that drains its queue and then ends, so idle guilds cost nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class KeyedSerialRunner:
    def __init__(self, name: str = "bus") -> None:
        self._name = name
        self._queues: dict[str, deque[Job]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    def submit(self, key: str, job: Job) -> None:
        """Queue a job behind the key's earlier jobs. Synchronous on purpose: the call order is the
        execution order, with no await in between where another delivery could overtake."""
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
            self._workers[key] = asyncio.create_task(self._work(key, queue), name=f"{self._name}:{key}")
            self._idle.clear()
        queue.append(job)

    async def _work(self, key: str, queue: deque[Job]) -> None:
        try:
            while queue:
                job = queue.popleft()
                try:
                    await job()
                except Exception:
                    # Jobs handle their own failures; this only keeps one bug from stopping the guild.
                    log.exception("%s: job for key %s raised", self._name, key)
        finally:
            # No await between the empty check and this removal, so submit() either sees the live
            # queue or starts a new worker: a job can never be left without one.
            del self._queues[key]
            del self._workers[key]
            if not self._workers:
                self._idle.set()

    @property
    def pending(self) -> int:
        """Jobs waiting or running."""
        return sum(len(q) for q in self._queues.values()) + len(self._workers)

    def drop_waiting(self) -> int:
        """Forget the jobs that have not started (each key's running job goes on); returns how many.
        For shutdown: their messages stay unacked and go back to the queue when the connection closes."""
        dropped = 0
        for queue in self._queues.values():
            dropped += len(queue)
            queue.clear()
        return dropped

    async def join(self) -> None:
        """Wait until every submitted job has finished."""
        await self._idle.wait()

    async def cancel(self) -> None:
        """Stop all work now; unfinished jobs are dropped (their messages were not acked)."""
        workers = list(self._workers.values())
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
