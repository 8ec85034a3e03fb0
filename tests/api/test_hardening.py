"""Edge protections: request size, mutation rate per user, query limits, masked errors, expiring websockets."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
import websockets

from api.app import create_app
from api.auth import EDIT, VIEW
from tests.api.conftest import Api, make_settings, serve
from tests.api.factories import GUILD

BLACKLIST = (
    'mutation($p: Snowflake!) { blacklistServer(guildId: "%s", partnerGuildId: $p) { userErrors { code } } }' % GUILD
)


async def test_an_oversized_request_is_refused_before_it_is_read(api):
    response = await api.http.post(
        "/graphql", content=b"{" + b" " * 70_000 + b"}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 413 and response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_mutations_beyond_the_burst_are_rate_limited_per_user(container, tokens):
    settings = make_settings(mutation_burst=3, mutation_rate_per_minute=60)
    async with serve(create_app(settings, container=container, tokens=tokens)) as base:
        api = Api(base, tokens, container)
        codes = []
        for n in range(5):
            body = await api.post(BLACKLIST, {"p": str(1000000000000000000 + n)})
            codes.append(body["errors"][0]["extensions"]["code"] if body.get("errors") else "ok")
        assert codes == ["ok", "ok", "ok", "RATE_LIMITED", "RATE_LIMITED"]
        other_user = api.token({GUILD: [VIEW, EDIT]}, user_id=99)
        assert "errors" not in await api.post(BLACKLIST, {"p": "1000000000000000009"}, token=other_user)
        assert (await api.data('{ guild(id: "%s") { limits { blacklistCount } } }' % GUILD))["guild"]["limits"][
            "blacklistCount"
        ] == 4  # queries are not limited; refused mutations changed nothing
        await api.http.aclose()


async def test_deep_and_aliased_queries_are_refused(api):
    nested = "partnership { application { " * 8 + "id" + " } }" * 8
    deep = '{ guild(id: "%s") { applications { edges { node { %s } } } } }' % (GUILD, nested)
    assert "depth" in (await api.post(deep))["errors"][0]["message"]
    aliased = "{ " + " ".join(f"a{i}: viewer {{ userId }}" for i in range(40)) + " }"
    assert (await api.post(aliased))["errors"]


async def test_unexpected_errors_are_masked_in_production(container, tokens, monkeypatch):
    settings = make_settings(environment="production")

    async def boom(*args, **kwargs):
        raise RuntimeError("secret internals: mongodb://admin:pw@db")

    monkeypatch.setattr(container.warnings, "guild_warnings", boom)
    async with serve(create_app(settings, container=container, tokens=tokens)) as base:
        api = Api(base, tokens, container)
        body = await api.post('{ guild(id: "%s") { warnings { code } } }' % GUILD)
        await api.http.aclose()
    assert "secret" not in json.dumps(body) and body["errors"][0]["message"] == "Unexpected error."


async def test_a_subscription_is_closed_when_its_token_expires(api):
    token = api.tokens.issue(4242, {GUILD: [VIEW]}, lifetime=timedelta(seconds=2))
    url = api.base.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        query = 'subscription { partnershipQueue(guildId: "%s") { type } }' % GUILD
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            async with asyncio.timeout(10):
                while True:
                    await ws.recv()
        assert closed.value.rcvd.code == 4401
