"""The backfill of member claims for joins stored before claims existed: a member who joined then and
rejoins now is counted once, however the backfill and the live joins interleave."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from api.services.join_claims import NAME, JoinClaimBackfill
from api.store.database import Database
from api.store.joins import JoinRepository
from api.store.migrations import MigrationMarkers
from tests.api.counting_db import CountingDb
from tests.api.factories import GUILD, joined, left
from tests.api.test_join_quality import partner_node, tracked_partnership


async def joins_from_before_claims(container, worker, events) -> dict[int, str]:
    """Handles the events, then forgets the claims, as joins stored before join_members existed have
    none; returns each member's first join event id."""
    first: dict[int, str] = {}
    for env in events:
        await worker.handle(env)
        if env.type == "member.joined":
            first.setdefault(int(env.data["user_id"]), env.id)
    await container.database.join_members.delete_many({})
    return first


async def claims(container) -> dict[str, str]:
    """member -> the event id its claim names (one partnership here)."""
    found = container.database.join_members.find({})
    return {d["_id"].rsplit(":", 1)[1]: d["first_event"] async for d in found}


def ago(seconds: float) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=seconds)


def backfill_of(container, batch: int = 1000, repo: JoinRepository | None = None) -> JoinClaimBackfill:
    """A backfill as a newly started process makes it."""
    return JoinClaimBackfill(repo or JoinRepository(container.database), MigrationMarkers(container.database), batch)


async def test_a_restart_mid_backfill_continues_where_it_stopped_and_finishes(container, worker):
    await tracked_partnership(container)
    # Member 5 rejoined: its rejoin's id sorts first, its first join's last, batches apart.
    late, early, hour_ago = "ffffffff-0000-4000-8000-000000000000", "00000000-0000-4000-8000-000000000001", ago(3600)
    events = [joined(GUILD, "trk", user_id=u) for u in range(1, 5)]
    events += [joined(GUILD, "trk", user_id=5, id=late, joined_at=hour_ago), left(GUILD, 5),
               joined(GUILD, "trk", user_id=5, id=early)]  # fmt: skip
    first = await joins_from_before_claims(container, worker, events)
    assert first[5] == late

    crashing = JoinRepository(container.database)
    real, batches = crashing.claim_first_joins, []

    async def dies_in_the_second_batch(joins):
        batches.append(joins)
        if len(batches) == 2:
            raise ConnectionError("the process died here")
        return await real(joins)

    crashing.claim_first_joins = dies_in_the_second_batch
    try:
        await backfill_of(container, batch=2, repo=crashing).run()
    except ConnectionError:
        pass
    marker = await MigrationMarkers(container.database).get(NAME)
    assert marker["read"] == 2 and not MigrationMarkers.finished(marker) and len(await claims(container)) == 2

    restarted = JoinRepository(container.database)
    real_page, pages = restarted.page_after, []

    async def page_after(last_id, limit):
        pages.append(last_id)
        return await real_page(last_id, limit)

    restarted.page_after = page_after
    await backfill_of(container, batch=2, repo=restarted).run()
    assert pages[0] == marker["last_id"]  # continued after the last batch done, not from the start
    assert MigrationMarkers.finished(await MigrationMarkers(container.database).get(NAME))
    assert await claims(container) == {str(u): e for u, e in first.items()}


async def test_a_member_who_joined_before_claims_and_rejoins_after_the_backfill_counts_once(api, container, worker):
    await tracked_partnership(container)
    await container.guild_settings.update(GUILD, {"fake_join_seconds": 0})  # quick leaves off here
    first = await joins_from_before_claims(container, worker, [joined(GUILD, "trk", user_id=701), left(GUILD, 701)])
    await container.join_claims.run()

    await worker.handle(joined(GUILD, "trk", user_id=701))
    node = await partner_node(api)
    assert (node["joinCount"], node["retainedCount"], node["fakeCount"]) == (1, 1, 0)
    assert (node["joinSeries"][-1]["joins"], node["joinSeries"][-1]["left"]) == (1, 1)
    assert await claims(container) == {"701": first[701]}


async def test_live_joins_while_the_backfill_is_under_way_stay_exact(api, container, worker):
    await tracked_partnership(container)
    await container.guild_settings.update(GUILD, {"fake_join_seconds": 0})
    before = [joined(GUILD, "trk", user_id=801), left(GUILD, 801), joined(GUILD, "trk", user_id=802)]
    first = await joins_from_before_claims(container, worker, before)

    # The worker starts: the backfill is under way but has not reached any stored join yet.
    real_page, reached, go_on = container.join_repo.page_after, asyncio.Event(), asyncio.Event()

    async def held_page_after(last_id, limit):
        reached.set()
        await go_on.wait()
        return await real_page(last_id, limit)

    container.join_repo.page_after = held_page_after
    task = container.join_claims.start()
    container.background.append(task)
    await asyncio.wait_for(reached.wait(), 5)
    rejoin, newcomer = joined(GUILD, "trk", user_id=801), joined(GUILD, "trk", user_id=803)
    await worker.handle(rejoin)
    await worker.handle(newcomer)
    go_on.set()
    await asyncio.wait_for(task, 5)

    assert not container.join_claims.under_way
    node = await partner_node(api)
    assert (node["joinCount"], node["retainedCount"], node["fakeCount"]) == (3, 3, 0)  # 801 once, 802, 803
    assert (node["joinSeries"][-1]["joins"], node["joinSeries"][-1]["left"]) == (3, 1)
    assert await claims(container) == {"801": first[801], "802": first[802], "803": newcomer.id}


async def test_running_the_backfill_again_changes_nothing_and_costs_one_read(api, container, worker):
    await tracked_partnership(container)
    first = await joins_from_before_claims(
        container, worker, [joined(GUILD, "trk", user_id=901), joined(GUILD, "trk", user_id=902)]
    )
    await backfill_of(container).run()
    after_one = (await claims(container), await partner_node(api))
    assert after_one[0] == {str(u): e for u, e in first.items()}

    counting = CountingDb(container.database.db)
    counted = Database(container.database.client, counting, container.database.in_memory)
    again = JoinClaimBackfill(JoinRepository(counted), MigrationMarkers(counted))
    await again.run()
    assert dict(counting.calls) == {"migrations.find_one": 1}  # finished: the marker says so
    await container.database.migrations.delete_many({})  # even a whole second pass
    await backfill_of(container).run()
    assert (await claims(container), await partner_node(api)) == after_one


async def test_a_backfill_marked_finished_by_the_release_that_introduced_it_does_not_run_again(container):
    """That release marked a finished backfill `done: true`; later ones write `done_at`."""
    await MigrationMarkers(container.database).advance(NAME, last_id="x", read=5, claimed=5, done=True)
    repo = JoinRepository(container.database)

    async def never(*args):
        raise AssertionError("a finished backfill reads nothing")

    repo.page_after = never
    await backfill_of(container, batch=2, repo=repo).run()
