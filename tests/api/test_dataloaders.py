"""A page of applications with their partnerships costs a bounded number of database round trips."""

from __future__ import annotations

from collections import Counter

import pytest

from api.container import Container
from api.store import open_database
from tests.api.conftest import Api, make_settings, serve
from tests.api.factories import GUILD, submitted

PAGE = """query($g: Snowflake!, $n: Int) { guild(id: $g) {
  limits { activeCount }
  applications(first: $n) { totalCount edges { node { id status partner { name memberCount }
    partnership { id joinCount nextBumpAt showcase { channelId } application { id } } } } } } }"""


class CountingDb:
    """Wraps the database so every collection method call is counted."""

    def __init__(self, db):
        self._db = db
        self.calls: Counter = Counter()

    def __getitem__(self, name):
        return _CountingCollection(self._db[name], name, self.calls)


class _CountingCollection:
    def __init__(self, collection, name, calls):
        self._c, self._name, self._calls = collection, name, calls

    def __getattr__(self, attr):
        target = getattr(self._c, attr)
        if not callable(target):
            return target

        def call(*args, **kwargs):
            self._calls[f"{self._name}.{attr}"] += 1
            return target(*args, **kwargs)

        return call


@pytest.mark.parametrize("approved", [5, 60])
async def test_round_trips_do_not_grow_with_the_page(approved, tokens):
    settings = make_settings()
    database = open_database("", "loaders")
    container = await Container.open(settings, database=database)
    for _ in range(approved):
        app = await container.applications.submit(submitted())
        await container.applications.approve(app, actor=1)
    counting = CountingDb(database.db)
    database.db = counting
    container = await Container.open(settings, database=database, bus=container.bus)

    from api.app import create_app

    async with serve(create_app(settings, container=container, tokens=tokens)) as base:
        api = Api(base, tokens, container)
        counting.calls.clear()
        data = await api.data(PAGE, {"g": str(GUILD), "n": 100})
        edges = data["guild"]["applications"]["edges"]
        assert len(edges) == approved and all(e["node"]["partnership"]["application"]["id"] for e in edges)
        total = sum(counting.calls.values())
        await api.http.aclose()
    # one page read, one count, one batched partnership read, one batched application read, one ledger read
    assert 0 < total <= 5, counting.calls
