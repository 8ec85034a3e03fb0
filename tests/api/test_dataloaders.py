"""A page of applications with their partnerships costs a bounded number of database round trips."""

from __future__ import annotations

import pytest

from tests.api.counting_db import counted_api
from tests.api.factories import GUILD, submitted

PAGE = """query($g: Snowflake!, $n: Int) { guild(id: $g) {
  limits { activeCount }
  applications(first: $n) { totalCount edges { node { id status partner { name memberCount }
    partnership { id joinCount nextBumpAt showcase { channelId } application { id } } } } } } }"""


@pytest.mark.parametrize("approved", [5, 60])
async def test_round_trips_do_not_grow_with_the_page(approved, tokens):
    async def fill(container):
        for _ in range(approved):
            app = await container.applications.submit(submitted())
            await container.applications.approve(app, actor=1)

    async with counted_api(tokens, fill) as (api, calls):
        data = await api.data(PAGE, {"g": str(GUILD), "n": 100})
        edges = data["guild"]["applications"]["edges"]
        assert len(edges) == approved and all(e["node"]["partnership"]["application"]["id"] for e in edges)
        total = sum(calls.values())
    # one page read, one count, one batched partnership read, one batched application read, one ledger read
    assert 0 < total <= 5, calls
