"""Property-based fuzz of the GraphQL endpoint: documents generated from the schema (valid ones and
deliberately invalid ones) never cause a server error, and a rejected request changes nothing.

Derandomized so CI is repeatable; explore further locally with `--hypothesis-seed=<n>` and no derandomize."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, nodes

from api.app import create_app
from api.auth import EDIT, VIEW
from tests.api.conftest import make_settings
from tests.api.factories import GUILD
from tests.api.test_permission_matrix import snapshot

SCHEMA = open(__file__.rsplit("/tests/", 1)[0] + "/schema.graphql").read()
SNOWFLAKES = st.one_of(
    st.just(str(GUILD)),
    st.integers(min_value=0, max_value=2**64 + 5).map(str),
    st.text(max_size=25),
).map(nodes.String)
DATETIMES = st.one_of(st.datetimes().map(lambda d: d.isoformat() + "Z"), st.text(max_size=30)).map(nodes.String)
SCALARS = {"Snowflake": SNOWFLAKES, "DateTime": DATETIMES, "JSON": st.just(nodes.String("{}"))}


def documents(mode: Mode):
    queries = from_schema(SCHEMA, fields=["guild", "node", "viewer"], custom_scalars=SCALARS, mode=mode)
    everything = from_schema(SCHEMA, custom_scalars=SCALARS, mode=mode)  # mutations included
    return st.one_of(queries, everything)


@pytest.fixture(scope="module")
def fuzz_env():
    import asyncio

    from api.container import Container

    loop = asyncio.new_event_loop()
    container = loop.run_until_complete(Container.open(make_settings(mutation_burst=100_000)))
    app = create_app(make_settings(mutation_burst=100_000), container=container)
    token = app.state.tokens.issue(4242, {GUILD: [VIEW, EDIT]})
    yield loop, app, container, token
    loop.run_until_complete(container.close())
    loop.close()


def _post(fuzz_env, document: str) -> tuple[int, dict, bool]:
    loop, app, container, token = fuzz_env

    async def run():
        before = await snapshot(container)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            response = await client.post(
                "/graphql", json={"query": document}, headers={"Authorization": f"Bearer {token}"}
            )
        changed = await snapshot(container) != before
        return response.status_code, response.json() if response.content else {}, changed

    return loop.run_until_complete(run())


def _assert_sane(status: int, body: dict, changed: bool) -> None:
    assert status < 500, body
    errors = body.get("errors") or []
    assert not any((e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR" for e in errors), errors
    fields = list((body.get("data") or {}).values())
    # Rejected as a whole: an error with no data, or every root field null or answered with userErrors.
    rejected = (errors and not body.get("data")) or (
        fields and all(v is None or (isinstance(v, dict) and v.get("userErrors")) for v in fields)
    )
    if rejected:
        assert not changed, f"a rejected request changed stored data: {json.dumps(body)[:300]}"


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(document=documents(Mode.POSITIVE))
def test_valid_documents_never_fail_the_server(fuzz_env, document):
    _assert_sane(*_post(fuzz_env, document))


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(document=documents(Mode.NEGATIVE))
def test_invalid_documents_are_refused_cleanly(fuzz_env, document):
    status, body, changed = _post(fuzz_env, document)
    assert status < 500 and not changed, body
