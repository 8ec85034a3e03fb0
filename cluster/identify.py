"""Identify pacing: Discord lets shards identify in buckets ``shard_id % max_concurrency``, one
IDENTIFY per bucket per 5 seconds, across every process of the bot.

``IdentifyPacer.wait(shard_id)`` is what the bot's ``before_identify_hook`` awaits. Inside one process
a lock per bucket serialises identifies and spaces them ``interval`` seconds apart. With ``lock_dir``
(a folder every node of a host can reach) the bucket's lock is also an ``flock``'d file holding the
time of the bucket's last identify, so several node processes share the pacing. Nodes on different
hosts need a shared coordinator (not built yet); start them staggered meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
from pathlib import Path

log = logging.getLogger(__name__)


class IdentifyPacer:
    def __init__(self, max_concurrency: int = 1, interval: float = 5.0, lock_dir: Path | None = None) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.max_concurrency = max_concurrency
        self.interval = interval
        self.lock_dir = Path(lock_dir) if lock_dir is not None else None
        self._locks: dict[int, asyncio.Lock] = {}
        self._last: dict[int, float] = {}  # bucket -> time.time() of its last identify in this process

    def bucket(self, shard_id: int) -> int:
        return shard_id % self.max_concurrency

    async def wait(self, shard_id: int) -> float:
        """Return when ``shard_id`` may identify; the caller identifies right away. Returns seconds waited."""
        if self.interval <= 0:
            return 0.0
        bucket = self.bucket(shard_id)
        lock = self._locks.setdefault(bucket, asyncio.Lock())
        started = time.monotonic()
        async with lock:
            if self.lock_dir is None:
                await self._sleep_until(self._last.get(bucket, 0.0) + self.interval)
                self._last[bucket] = time.time()
            else:
                await self._wait_shared(bucket)
        waited = time.monotonic() - started
        if waited > 0.05:
            log.info("shard %s identifies after waiting %.1fs (bucket %s)", shard_id, waited, bucket)
        return waited

    async def _sleep_until(self, wall_time: float) -> None:
        delay = wall_time - time.time()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _wait_shared(self, bucket: int) -> None:
        assert self.lock_dir is not None
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        path = self.lock_dir / f"identify-bucket-{bucket}-of-{self.max_concurrency}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while True:  # non-blocking attempts, so the event loop keeps running
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await asyncio.sleep(0.05)
            try:
                raw = os.pread(fd, 64, 0).decode().strip()
                last = 0.0
                with contextlib.suppress(ValueError):
                    last = float(raw) if raw else 0.0
                last = max(last, self._last.get(bucket, 0.0))
                await self._sleep_until(last + self.interval)
                now = time.time()
                self._last[bucket] = now
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{now:.6f}".encode(), 0)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
