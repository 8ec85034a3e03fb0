"""Fixtures of the API tests: settings, a wired container on the embedded default, a real HTTP +
websocket server (uvicorn on an ephemeral port) and token factories."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
import websockets

from api.app import create_app
from api.auth import EDIT, VIEW, TokenService
from api.container import Container
from api.lifecycle import start_live
from api.settings import ApiSettings
from api.worker import EventWorker
from bus import Envelope
from tests.api.factories import GUILD
from tests.support.mongo import mongo_db_name, mongo_server  # noqa: F401

SECRET = "test-secret-0123456789abcdef0123456789"


def make_settings(**overrides: Any) -> ApiSettings:
    values = {"auth_secret": SECRET, "journal_relay_seconds": 0.2, "shard_count": 4, **overrides}
    return ApiSettings(_env_file=None, **values)


@pytest.fixture
def settings() -> ApiSettings:
    return make_settings()


@pytest.fixture
def tokens() -> TokenService:
    return TokenService(SECRET, 15)


class Commands:
    """Every command the API sends to the cluster, collected from the in-process bus."""

    def __init__(self) -> None:
        self.seen: list[Envelope] = []

    async def handle(self, envelope: Envelope) -> None:
        self.seen.append(envelope)

    def of(self, type_: str) -> list[Envelope]:
        return [c for c in self.seen if c.type == type_]

    async def wait_for(self, type_: str, count: int = 1, timeout: float = 5.0) -> list[Envelope]:
        async with asyncio.timeout(timeout):
            while len(self.of(type_)) < count:
                await asyncio.sleep(0.01)
        return self.of(type_)


@pytest.fixture
async def container(settings: ApiSettings) -> AsyncIterator[Container]:
    c = await Container.open(settings)
    await start_live(c)
    yield c
    await c.close()


# the parameters name the imported fixtures (ruff takes them for redefinitions)
@pytest.fixture
async def replicas(mongo_server, mongo_db_name) -> AsyncIterator[list[Container]]:  # noqa: F811
    """Two API containers, like two replicas, on one MongoDB wire server, where concurrent writes
    really interleave (mongomock cannot show this)."""
    settings = make_settings(mongodb_url=mongo_server.url, mongodb_database=mongo_db_name)
    opened = [await Container.open(settings) for _ in range(2)]
    yield opened
    for replica in opened:
        await replica.close()


@pytest.fixture
async def commands(container: Container, settings: ApiSettings) -> Commands:
    collected = Commands()
    await container.bus.consume_commands(range(settings.shard_count), collected.handle)
    return collected


@pytest.fixture
def worker(container: Container) -> EventWorker:
    """Drives cluster events straight into the services (the bus-driven path has its own tests)."""
    return EventWorker(container)


class Api:
    """A running API server and a client for it."""

    def __init__(self, base: str, tokens: TokenService, container: Container):
        self.base = base
        self.tokens = tokens
        self.container = container
        self.http = httpx.AsyncClient(base_url=base, timeout=10)

    def token(self, perms: dict[int, list[str]] | None = None, user_id: int = 4242, **kw: Any) -> str:
        return self.tokens.issue(user_id, {GUILD: [VIEW, EDIT]} if perms is None else perms, **kw)

    def editor(self, guild_id: int = GUILD) -> str:
        return self.token({guild_id: [VIEW, EDIT]})

    def viewer(self, guild_id: int = GUILD) -> str:
        return self.token({guild_id: [VIEW]})

    async def post(self, query: str, variables: dict | None = None, token: str | None = "editor") -> dict[str, Any]:
        headers = {}
        if token == "editor":
            token = self.editor()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code in (200, 400), response.text
        return response.json()

    async def data(self, query: str, variables: dict | None = None, token: str | None = "editor") -> dict[str, Any]:
        body = await self.post(query, variables, token)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    @contextlib.asynccontextmanager
    async def subscription(
        self, query: str, variables: dict | None = None, token: str | None = "editor", registered: bool = True
    ):
        """A graphql-transport-ws subscription over a real websocket; yields a `next()` coroutine."""
        token = self.editor() if token == "editor" else token
        url = self.base.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
            ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert ack["type"] == "connection_ack", ack
            before = self.container.hub.subscriber_count()
            subscribe = {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}
            await ws.send(json.dumps(subscribe))
            if registered:  # an event published before the server subscribed would not be seen
                async with asyncio.timeout(5):
                    while self.container.hub.subscriber_count() <= before:
                        await asyncio.sleep(0.005)

            async def next_message(timeout: float = 5.0) -> dict[str, Any]:
                while True:
                    message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
                    if message["type"] in ("next", "error", "complete"):
                        return message

            yield next_message


@contextlib.asynccontextmanager
async def serve(app) -> AsyncIterator[str]:
    """Runs `app` on uvicorn at 127.0.0.1 on a free port; yields the base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def api(container: Container, settings: ApiSettings, tokens: TokenService) -> AsyncIterator[Api]:
    app = create_app(settings, container=container, tokens=tokens)
    async with serve(app) as base:
        client = Api(base, tokens, container)
        yield client
        await client.http.aclose()


def result_cache_outcomes(container: Container) -> dict[str, float]:
    """partners_graphql_result_cache_total by outcome (api/graphql/result_cache.py), on this container."""
    registry = container.metrics.registry
    return {
        o: registry.get_sample_value("partners_graphql_result_cache_total", {"outcome": o}) or 0.0
        for o in ("hit", "stored", "stale")
    }


@pytest.fixture
def expired_token(tokens: TokenService) -> str:
    return tokens.issue(4242, {GUILD: [VIEW, EDIT]}, lifetime=timedelta(seconds=-5))
