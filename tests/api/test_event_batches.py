"""How the worker splits a batch: each guild in order, joins and leaves in runs, failures per event."""

from __future__ import annotations

import asyncio

from api.event_batches import handle_batch
from tests.api.factories import GUILD, OTHER_GUILD, completed, joined, left


async def test_each_guild_keeps_its_order_and_joins_go_in_runs():
    a = [joined(GUILD, "trk", user_id=1), left(GUILD, 1), completed(GUILD, "dm.send"), joined(GUILD, "trk", user_id=2)]
    b = [joined(OTHER_GUILD, "x", user_id=3), completed(OTHER_GUILD, "dm.send")]
    batch = [a[0], b[0], a[1], a[2], b[1], a[3]]
    calls: list[tuple[str, list[str]]] = []

    async def one(env):
        calls.append(("one", [env.id]))
        await asyncio.sleep(0)

    async def joins(envs):
        calls.append(("run", [e.id for e in envs]))
        await asyncio.sleep(0)

    assert await handle_batch(batch, one, joins) == [None] * len(batch)
    of_a = [c for c in calls if set(c[1]) <= {e.id for e in a}]
    assert of_a == [("run", [a[0].id, a[1].id]), ("one", [a[2].id]), ("run", [a[3].id])]
    assert [c for c in calls if set(c[1]) <= {e.id for e in b}] == [("run", [b[0].id]), ("one", [b[1].id])]


async def test_a_failing_run_is_retried_one_by_one_so_only_the_bad_event_fails():
    events = [joined(GUILD, "trk", user_id=n) for n in range(4)]
    bad = events[2].id

    async def joins(envs):
        if any(e.id == bad for e in envs):
            raise ValueError("bad event")

    async def one(env):
        raise AssertionError("no other events here")

    outcomes = await handle_batch(events, one, joins)
    assert [type(o).__name__ if o else None for o in outcomes] == [None, None, "ValueError", None]
