"""A database wrapper that counts every collection method call: tests of batched reads bound the
round trips a request makes with it (open the container after wrapping: repositories keep the
collections they were given)."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

from api.app import create_app
from api.container import Container
from api.store import open_database
from tests.api.conftest import Api, make_settings, serve


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


@contextlib.asynccontextmanager
async def counted_api(tokens, fill: Callable[[Container], Awaitable[None]]) -> AsyncIterator[tuple[Api, Counter]]:
    """A served API on an embedded database that `fill(container)` filled first; yields its client and
    the calls counted from then on."""
    settings = make_settings()
    database = open_database("", "counted")
    container = await Container.open(settings, database=database)
    await fill(container)
    counting = CountingDb(database.db)
    database.db = counting
    container = await Container.open(settings, database=database, bus=container.bus)
    async with serve(create_app(settings, container=container, tokens=tokens)) as base:
        api = Api(base, tokens, container)
        counting.calls.clear()
        try:
            yield api, counting.calls
        finally:
            await api.http.aclose()
