"""Per-guild batching: joins arriving together share one processing (one invite fetch)."""

from __future__ import annotations

import asyncio

from cluster.invites.batching import Batch, GuildBatches
from tests.fakediscord.server import eventually


async def test_a_burst_in_one_guild_is_one_batch_and_guilds_are_separate() -> None:
    seen: list[tuple[int, list[int]]] = []

    async def process(guild_id: int, batch: Batch[int]) -> None:
        seen.append((guild_id, list(batch.items)))

    batches: GuildBatches[int] = GuildBatches(process, window=0.05)
    for i in range(20):
        batches.add(1, i)
    batches.add(2, 100)
    await eventually(lambda: len(seen) == 2)
    assert sorted(seen) == [(1, list(range(20))), (2, [100])]
    await eventually(lambda: batches.active_guilds() == 0)  # idle guilds keep no state


async def test_joins_arriving_while_a_batch_runs_form_the_next_batch() -> None:
    seen: list[list[int]] = []
    release = asyncio.Event()

    async def process(guild_id: int, batch: Batch[int]) -> None:
        seen.append(list(batch.items))
        if len(seen) == 1:
            await release.wait()  # a slow fetch

    batches: GuildBatches[int] = GuildBatches(process, window=0.02)
    batches.add(1, 1)
    await eventually(lambda: seen)
    for i in range(2, 12):
        batches.add(1, i)
    await asyncio.sleep(0.1)  # the point: five windows pass and the others still wait
    assert seen == [[1]]  # the lock is held: the others wait
    release.set()
    await eventually(lambda: len(seen) == 2)
    assert seen[1] == list(range(2, 12))


async def test_the_snapshot_lock_holds_batches_back() -> None:
    seen: list[list[int]] = []

    async def process(guild_id: int, batch: Batch[int]) -> None:
        seen.append(list(batch.items))

    batches: GuildBatches[int] = GuildBatches(process, window=0.01)
    async with batches.locked(1):
        batches.add(1, 1)
        await asyncio.sleep(0.05)  # the point: windows pass and nothing is processed under the lock
        assert seen == []
    await eventually(lambda: seen == [[1]])


def absorbing(wanted: int, wait: float) -> tuple[GuildBatches[int], list[list[int]]]:
    """Batches whose processing absorbs late joins while it holds fewer than `wanted`, for up to
    `wait` seconds; and the items of each batch processed."""
    result: list[list[int]] = []

    async def process(guild_id: int, batch: Batch[int]) -> None:
        await batch.absorb(lambda items: len(items) < wanted, wait)
        result.append(list(batch.items))

    return GuildBatches(process, window=0.01), result


async def test_absorb_takes_late_joins_up_to_what_is_wanted() -> None:
    batches, result = absorbing(3, 1.0)
    batches.add(1, 1)
    await asyncio.sleep(0.05)  # the point: the late joins come after the first window closed
    for i in (2, 3, 4):
        batches.add(1, i)
    await eventually(lambda: len(result) == 2)
    assert result == [[1, 2, 3], [4]]


async def test_absorb_gives_up_after_its_wait() -> None:
    batches, result = absorbing(5, 0.05)
    batches.add(1, 1)
    await eventually(lambda: result)
    assert result == [[1]]


async def test_a_failing_batch_does_not_stop_the_guild() -> None:
    seen: list[list[int]] = []

    async def process(guild_id: int, batch: Batch[int]) -> None:
        seen.append(list(batch.items))
        if len(seen) == 1:
            raise RuntimeError("boom")

    batches: GuildBatches[int] = GuildBatches(process, window=0.01)
    batches.add(1, 1)
    await eventually(lambda: seen)
    batches.add(1, 2)
    await eventually(lambda: len(seen) == 2)
    await batches.close()
