"""Identify pacing by bucket, in one process and shared through a lock folder."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from cluster.identify import IdentifyPacer


async def timed(pacer: IdentifyPacer, shard_id: int, t0: float) -> float:
    await pacer.wait(shard_id)
    return time.monotonic() - t0


async def test_zero_interval_never_waits() -> None:
    pacer = IdentifyPacer(1, 0)
    t0 = time.monotonic()
    for shard in range(50):
        await pacer.wait(shard)
    assert time.monotonic() - t0 < 0.05


async def test_buckets_identify_together_and_each_bucket_is_spaced() -> None:
    pacer = IdentifyPacer(max_concurrency=2, interval=0.2)
    t0 = time.monotonic()
    times = await asyncio.gather(*(timed(pacer, s, t0) for s in range(6)))
    # shards 0,1 at once; 2,3 one interval later; 4,5 two intervals later
    for shard, at in enumerate(times):
        expected = (shard // 2) * 0.2
        assert expected - 0.02 <= at <= expected + 0.18, (shard, at)


async def test_pacers_sharing_a_lock_dir_share_the_pacing(tmp_path: Path) -> None:
    node_a = IdentifyPacer(2, 0.25, lock_dir=tmp_path)
    node_b = IdentifyPacer(2, 0.25, lock_dir=tmp_path)  # another process on the same host
    t0 = time.monotonic()
    assert await timed(node_a, 0, t0) < 0.1
    assert await timed(node_b, 1, t0) < 0.1  # other bucket: no wait
    assert await timed(node_b, 2, t0) >= 0.23  # bucket 0, identified by node A just now
    assert (tmp_path / "identify-bucket-0-of-2.lock").exists()


def test_max_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError):
        IdentifyPacer(0, 5)
