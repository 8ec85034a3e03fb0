"""The mutation rate limit counts mutation fields (aliases too) and holds across replicas
(issue 14, item 3)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from graphql import parse

from api.app import create_app
from api.container import Container
from api.graphql.mutation_cost import mutation_fields
from api.request_limits import BucketState, TokenBucket
from tests.api.conftest import Api, make_settings, serve
from tests.api.factories import GUILD

PARTNER = 1_000_000_000_000_000_000


def _blacklist(count: int, first: int = 0) -> str:
    fields = " ".join(
        f'b{n}: blacklistServer(guildId: "{GUILD}", partnerGuildId: "{PARTNER + n}") {{ userErrors {{ code }} }}'
        for n in range(first, first + count)
    )
    return "mutation { " + fields + " }"


async def _blacklisted(api: Api) -> int:
    data = await api.data('{ guild(id: "%s") { limits { blacklistCount } } }' % GUILD)
    return data["guild"]["limits"]["blacklistCount"]


def _code(body: dict) -> str:
    return body["errors"][0]["extensions"]["code"] if body.get("errors") else "ok"


@contextlib.asynccontextmanager
async def _replicas(containers: list[Container], tokens, **limits) -> AsyncIterator[list[Api]]:
    settings = make_settings(**limits)
    async with contextlib.AsyncExitStack() as stack:
        apis = []
        for container in containers:
            base = await stack.enter_async_context(serve(create_app(settings, container=container, tokens=tokens)))
            api = Api(base, tokens, container)
            stack.push_async_callback(api.http.aclose)
            apis.append(api)
        yield apis


async def test_thirty_aliased_mutations_beyond_the_burst_are_refused_and_change_nothing(container, tokens):
    async with _replicas([container], tokens, mutation_burst=20, mutation_rate_per_minute=1) as (api,):
        body = await api.post(_blacklist(30))
        assert _code(body) == "RATE_LIMITED" and "30 changes" in body["errors"][0]["message"]
        assert await _blacklisted(api) == 0


async def test_each_aliased_mutation_takes_one_from_the_burst(container, tokens):
    async with _replicas([container], tokens, mutation_burst=6, mutation_rate_per_minute=1) as (api,):
        assert _code(await api.post(_blacklist(5))) == "ok"
        refused = await api.post(_blacklist(5, first=5))
        assert _code(refused) == "RATE_LIMITED" and refused["errors"][0]["extensions"]["retryAfter"] > 0
        assert _code(await api.post(_blacklist(1, first=10))) == "ok"
        assert await _blacklisted(api) == 6


async def test_one_users_limit_holds_across_two_app_instances_sharing_one_database(container, tokens):
    other = await Container.open(make_settings(), database=container.database)
    try:
        async with _replicas([container, other], tokens, mutation_burst=4, mutation_rate_per_minute=1) as (a, b):
            codes = [_code(await api.post(_blacklist(1, first=n))) for n, api in enumerate([a, b, a, b, a, b])]
            assert codes == ["ok"] * 4 + ["RATE_LIMITED"] * 2
            someone_else = a.token(user_id=77)
            assert _code(await b.post(_blacklist(1, first=9), token=someone_else)) == "ok"
            assert await _blacklisted(a) == 5
    finally:
        await other.close()


async def test_concurrent_mutations_on_two_replicas_take_exactly_the_burst(replicas, tokens):
    async with _replicas(replicas, tokens, mutation_burst=7, mutation_rate_per_minute=1) as (a, b):
        bodies = await asyncio.gather(*(api.post(_blacklist(1, first=n)) for n, api in enumerate([a, b] * 15)))
        assert sorted(_code(body) for body in bodies) == ["RATE_LIMITED"] * 23 + ["ok"] * 7
        assert await _blacklisted(a) == 7


@pytest.mark.parametrize(
    ("document", "name", "cost"),
    [
        ("mutation { a: bumpPartnership(id: 1) { x } b: bumpPartnership(id: 2) { x } }", None, 2),
        ("mutation { ...F } fragment F on Mutation { a: x b: y ... on Mutation { c: z } }", None, 3),
        ("mutation { __typename x }", None, 1),
        ("query { a b c }", None, 0),
        ("query Q { a } mutation M { a b }", "M", 2),
        ("query Q { a } mutation M { a b }", "Q", 0),
        ("mutation { ...F } fragment F on Mutation { a ...F }", None, 1),
    ],
)
def test_mutation_fields_counts_every_field_the_mutation_runs(document, name, cost):
    assert mutation_fields(parse(document), name) == cost


def test_the_bucket_refills_at_its_rate_and_never_beyond_the_burst():
    bucket = TokenBucket(per_minute=60, burst=3)
    decision, state = bucket.take(None, 3, now=100.0)
    assert decision.allowed and state == BucketState(0.0, 100.0)
    refused, same = bucket.take(state, 1, now=100.5)
    assert not refused.allowed and refused.retry_after == pytest.approx(0.5) and same == state
    allowed, after = bucket.take(state, 1, now=101.0)
    assert allowed.allowed and after.tokens == pytest.approx(0.0)
    assert bucket.take(BucketState(0.0, 0.0), 3, now=1000.0)[1].tokens == 0.0  # refilled to 3, not 900
    too_big, _ = bucket.take(None, 4, now=0.0)
    assert not too_big.allowed and too_big.retry_after is None
