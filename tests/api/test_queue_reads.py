"""The queue read on one replica after changes made by another: each replica keeps the ledgers it
decoded (per guild and version), and a read must never serve an older queue than the stored one.
Two API containers on the MongoDB wire server, replica A serving HTTP, replica B making the changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from api.app import create_app
from api.auth import TokenService
from api.container import Container
from api.store.people import Person
from tests.api.conftest import Api, make_settings, serve
from tests.api.conftest import result_cache_outcomes as outcomes
from tests.api.factories import GUILD, submitted

QUEUE = """
query Queue($guild: Snowflake!, $first: Int, $order: SortOrder) {
  guild(id: $guild) {
    limits { pendingCount activeCount }
    applications(status: PENDING, first: $first, order: $order) {
      totalCount
      edges { node { id partner { name } } }
    }
  }
}"""


@pytest.fixture
async def two_replicas(mongo_server, mongo_db_name, tokens: TokenService) -> AsyncIterator[tuple[Api, Container]]:
    settings = make_settings(mongodb_url=mongo_server.url, mongodb_database=mongo_db_name)
    a, b = await Container.open(settings), await Container.open(settings)
    try:
        await b.guild_settings.update(GUILD, {"application_cooldown_hours": 0, "max_active": 0})
        async with serve(create_app(settings, container=a, tokens=tokens)) as base:
            client = Api(base, tokens, a)
            yield client, b
            await client.http.aclose()
    finally:
        await a.close()
        await b.close()


async def _queue(api: Api, order: str = "OLDEST_FIRST") -> tuple[list[str], int, int]:
    data = await api.data(QUEUE, {"guild": str(GUILD), "first": 100, "order": order})
    guild = data["guild"]
    names = [e["node"]["partner"]["name"] for e in guild["applications"]["edges"]]
    return names, guild["applications"]["totalCount"], guild["limits"]["pendingCount"]


async def test_a_replica_reads_the_queue_another_replica_just_changed(two_replicas):
    api, other = two_replicas
    apps = [await other.applications.submit(submitted(name=f"Server {i}")) for i in range(3)]
    assert await _queue(api) == (["Server 0", "Server 1", "Server 2"], 3, 3)  # replica A has decoded it now

    await other.applications.approve(apps[1], actor=9)
    assert await _queue(api) == (["Server 0", "Server 2"], 2, 2)

    await other.applications.deny(apps[0], actor=9, reason=None, blacklist=False)
    await other.applications.submit(submitted(name="Server 3"))
    assert await _queue(api) == (["Server 2", "Server 3"], 2, 2)
    assert await _queue(api, "NEWEST_FIRST") == (["Server 3", "Server 2"], 2, 2)


async def test_reads_during_changes_by_another_replica_never_go_back(two_replicas):
    """Replica A reads in a loop while replica B submits; every read shows at least what B had
    committed when the read started, and the queue never shrinks."""
    api, other = two_replicas
    committed = 0
    done = asyncio.Event()

    async def submit_all() -> None:
        nonlocal committed
        for i in range(12):
            assert await other.applications.submit(submitted(name=f"Server {i:02d}")) is not None
            committed += 1
        done.set()

    async def read_all() -> list[int]:
        seen = []
        while not done.is_set():
            at_start = committed
            names, total, pending = await _queue(api)
            # An application whose journal is being written right now is counted but not listed yet.
            assert total == pending >= len(names) >= at_start
            assert names == [f"Server {i:02d}" for i in range(len(names))]
            seen.append(total)
        return seen

    _, seen = await asyncio.gather(submit_all(), read_all())
    assert seen == sorted(seen)
    assert await _queue(api) == ([f"Server {i:02d}" for i in range(12)], 12, 12)


NAMED = """
query Named($guild: Snowflake!) {
  guild(id: $guild) { applications(status: PENDING, first: 10) { edges { node { representativeName } } } }
}"""


async def test_a_kept_answer_is_not_reused_once_another_replica_changed_what_it_read(two_replicas):
    """Replica A keeps its answers (api/graphql/result_cache.py); a change made by replica B, to the
    ledger or to a representative's name, shows in A's next answer all the same."""
    api, other = two_replicas
    rep = 1300000000000000077
    await other.applications.submit(submitted(name="Server 0", representative_id=rep))
    await other.people.remember(Person(rep, "Ann", None))

    async def names() -> list[str]:
        data = await api.data(NAMED, {"guild": str(GUILD)})
        return [e["node"]["representativeName"] for e in data["guild"]["applications"]["edges"]]

    assert await names() == ["Ann"]
    assert await names() == ["Ann"]
    assert outcomes(api.container)["hit"] == 1  # answered from the kept answer

    await other.people.remember(Person(rep, "Ann B.", None))  # no ledger change: a name only
    assert await names() == ["Ann B."]
    await other.applications.submit(submitted(name="Server 1"))
    assert await names() == ["Ann B.", None]
    assert outcomes(api.container)["stale"] == 2
