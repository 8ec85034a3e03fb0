"""Websocket limits (issue 14, items 4 and 8): message size (1009), malformed messages (4400, never a
dropped socket without a code) and operations held per user over all their sockets (4429)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import pytest
import websockets

from api.app import create_app
from api.auth import VIEW
from tests.api.conftest import make_settings, serve
from tests.api.factories import GUILD

QUEUE = 'subscription { partnershipQueue(guildId: "%s") { type } }' % GUILD


@pytest.fixture
async def base(container, tokens) -> AsyncIterator[str]:
    settings = make_settings(ws_max_message_bytes=4096, ws_max_subscriptions_per_user=3)
    async with serve(create_app(settings, container=container, tokens=tokens)) as running:
        yield running.replace("http://", "ws://") + "/graphql"


@contextlib.asynccontextmanager
async def socket(base: str, token: str | None, protocol: str = "graphql-transport-ws"):
    async with websockets.connect(base, subprotocols=[protocol], max_size=None) as ws:
        if token is not None:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
        yield ws


async def closed_with(ws) -> int:
    with pytest.raises(websockets.ConnectionClosed) as closed:
        async with asyncio.timeout(10):
            while True:
                await ws.recv()
    assert closed.value.rcvd is not None, "closed without a close frame"
    return closed.value.rcvd.code


async def subscribe(ws, op_id: str) -> None:
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": QUEUE}}))


async def still_open(ws) -> bool:
    await ws.send(json.dumps({"type": "ping"}))
    return json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "pong"


async def test_an_oversized_connection_init_is_closed_with_1009(base):
    async with socket(base, None) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"x": "a" * 5_000_000}}))
        assert await closed_with(ws) == 1009


async def test_an_oversized_operation_is_closed_with_1009(base, tokens):
    async with socket(base, tokens.issue(1, {GUILD: [VIEW]})) as ws:
        query = "mutation { " + " " * (2 * 1024 * 1024) + "}"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        assert await closed_with(ws) == 1009


@pytest.mark.parametrize(
    "frame",
    [
        "[1, 2]",
        '"str"',
        "42",
        '{"type": 5}',
        '{"id": "1", "type": "subscribe", "payload": "subscription { x }"}',
        '{"id": 1, "type": "subscribe", "payload": {"query": "subscription { x }"}}',
        '{"id": "1", "type": "subscribe", "payload": {"query": 7}}',
        '{"id": "1", "type": "subscribe", "payload": {"query": "subscription { x }", "variables": [1]}}',
        '{"type": "complete", "id": ["1"]}',
    ],
)
async def test_a_malformed_message_closes_with_4400(base, tokens, frame):
    async with socket(base, tokens.issue(1, {GUILD: [VIEW]})) as ws:
        await ws.send(frame)
        assert await closed_with(ws) == 4400


@pytest.mark.parametrize("frame", ["[1, 2]", '{"id": "1", "type": "start", "payload": "x"}'])
async def test_the_legacy_protocol_closes_malformed_messages_with_4400_too(base, tokens, frame):
    async with socket(base, None, protocol="graphql-ws") as ws:
        await ws.send(frame)
        assert await closed_with(ws) == 4400


async def test_a_user_holds_at_most_the_quota_over_all_their_sockets(base, tokens):
    token = tokens.issue(1, {GUILD: [VIEW]})
    async with socket(base, token) as first, socket(base, token) as second:
        await subscribe(first, "a")
        await subscribe(first, "b")
        await subscribe(second, "c")
        assert await still_open(first) and await still_open(second)
        async with socket(base, tokens.issue(2, {GUILD: [VIEW]})) as someone_else:
            await subscribe(someone_else, "x")
            assert await still_open(someone_else)
        await subscribe(second, "d")
        assert await closed_with(second) == 4429
        assert await still_open(first)
    async with socket(base, token) as again:  # closed sockets give their operations back
        for op_id in "abc":
            await subscribe(again, op_id)
        assert await still_open(again)


async def test_completed_subscriptions_give_their_place_back(base, tokens):
    token = tokens.issue(1, {GUILD: [VIEW]})
    async with socket(base, token) as ws:
        for op_id in "abc":
            await subscribe(ws, op_id)
        await ws.send(json.dumps({"id": "a", "type": "complete"}))
        await subscribe(ws, "d")
        assert await still_open(ws)
