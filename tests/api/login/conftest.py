"""Fixtures of the login tests: the fake Discord OAuth server, the API on a real socket whose callback
URL is registered at the fake, guilds that use the service, and a cookie-keeping "browser"."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.auth import TokenService
from api.container import Container
from api.domain.ledger import Ledger
from api.domain.models import GuildSettings
from api.settings import ApiSettings
from tests.api.conftest import make_settings
from tests.support.fake_oauth import FakeOAuth

CLIENT_ID = "1234567890123456789"
CLIENT_SECRET = "client-secret-never-logged-0123456789"

# Guilds that use the service (they have a ledger document) and one that does not.
GUILD_ROLES = 1100000000000000001  # managerRoleIds / viewerRoleIds configured
GUILD_PLAIN = 1100000000000000002  # no role lists
GUILD_OUTSIDE = 1100000000000000003  # no ledger: not using the service
MANAGER_ROLE = 1500000000000000001
VIEWER_ROLE = 1500000000000000002
OTHER_ROLE = 1500000000000000003

ADMINISTRATOR = 0x8
MANAGE_GUILD = 0x20
EVERYDAY = 0x400 | 0x800 | 0x40  # view channel, send messages, add reactions: no management


@contextlib.asynccontextmanager
async def serve_on(app, sock: socket.socket) -> AsyncIterator[None]:
    """uvicorn on an already bound socket, so the URL is known before the app is built."""
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    async with asyncio.timeout(10):
        while not server.started:
            await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await task


@dataclass
class Site:
    base: str
    settings: ApiSettings
    fake: FakeOAuth
    container: Container
    tokens: TokenService

    def browser(self) -> Browser:
        return Browser(self)

    async def viewer_guild_ids(self, access_token: str) -> list[str]:
        async with httpx.AsyncClient(base_url=self.base) as http:
            response = await http.post(
                "/graphql",
                json={"query": "{ viewer { userId guildIds } }"},
                headers={"Authorization": f"Bearer {access_token}"},
            )
        body = response.json()
        assert not body.get("errors"), body
        return body["data"]["viewer"]["guildIds"]

    async def refresh_documents(self) -> list[dict[str, Any]]:
        return await self.container.database.sessions.find({"kind": "refresh"}).to_list(None)


class Browser:
    """Keeps cookies like a browser and follows the login step by step (redirects are asserted, not followed)."""

    def __init__(self, site: Site):
        self.site = site
        self.http = httpx.AsyncClient(timeout=10)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def start(self, redirect: str | None = "/dashboard") -> str:
        """GET /auth/discord/login; returns the Discord authorize URL it redirects to."""
        params = {"redirect": redirect} if redirect is not None else {}
        response = await self.http.get(self.site.base + "/auth/discord/login", params=params)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    async def consent(self, authorize_url: str, user_id: int) -> str:
        """The user signs in at (fake) Discord and consents; returns the callback URL Discord sends back to."""
        self.site.fake.signed_in = user_id
        response = await self.http.get(authorize_url)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    async def callback(self, url: str) -> httpx.Response:
        return await self.http.get(url)

    async def login(self, user_id: int, redirect: str = "/dashboard") -> Tokens:
        response = await self.callback(await self.consent(await self.start(redirect), user_id))
        assert response.status_code == 303, response.text
        return Tokens.of(response)

    def refresh_cookie(self) -> str | None:
        return self.http.cookies.get("partners_refresh", path="/auth")

    async def refresh(self, json: dict | None = None) -> httpx.Response:
        return await self.http.post(self.site.base + "/auth/refresh", json=json)

    async def logout(self) -> httpx.Response:
        return await self.http.post(self.site.base + "/auth/logout")


@dataclass
class Tokens:
    location: str
    path: str
    access_token: str
    expires_in: int
    refresh_token: str

    @classmethod
    def of(cls, response: httpx.Response) -> Tokens:
        location = response.headers["location"]
        parts = urlsplit(location)
        fragment = parse_qs(parts.fragment)
        assert fragment["token_type"] == ["Bearer"]
        return cls(
            location,
            urlsplit(location)._replace(fragment="").geturl(),
            fragment["access_token"][0],
            int(fragment["expires_in"][0]),
            response.cookies["partners_refresh"],
        )


async def use_service(container: Container, guild_id: int, managers=(), viewers=()) -> None:
    """Gives the guild a ledger document (as its first settings change would), with these role lists."""
    settings = GuildSettings(manager_role_ids=tuple(managers), viewer_role_ids=tuple(viewers))
    assert await container.ledgers.commit(Ledger(guild_id), Ledger(guild_id, version=1, settings=settings), [])


@pytest.fixture
async def fake() -> AsyncIterator[FakeOAuth]:
    async with FakeOAuth(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri="") as server:
        yield server


def login_settings(fake: FakeOAuth, redirect_uri: str, **overrides: Any) -> ApiSettings:
    values = {
        "discord_client_id": CLIENT_ID,
        "discord_client_secret": CLIENT_SECRET,
        "discord_oauth_base": fake.oauth_base,
        "discord_api_base": fake.api_base,
        "oauth_redirect_uri": redirect_uri,
        "discord_timeout_seconds": 2,
    }
    return make_settings(**{**values, **overrides})


@contextlib.asynccontextmanager
async def open_site(
    container: Container, tokens: TokenService, fake: FakeOAuth, **overrides: Any
) -> AsyncIterator[Site]:
    """The API on a real socket, its callback URL registered at the fake; guilds GUILD_ROLES and
    GUILD_PLAIN use the service."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    fake.redirect_uri = base + "/auth/discord/callback"
    settings = login_settings(fake, fake.redirect_uri, **overrides)
    await use_service(container, GUILD_ROLES, managers=[MANAGER_ROLE], viewers=[VIEWER_ROLE])
    await use_service(container, GUILD_PLAIN)
    async with serve_on(create_app(settings, container=container, tokens=tokens), sock):
        yield Site(base, settings, fake, container, tokens)


@pytest.fixture
async def site(container: Container, tokens: TokenService, fake: FakeOAuth) -> AsyncIterator[Site]:
    async with open_site(container, tokens, fake) as running:
        yield running


@pytest.fixture
async def browser(site: Site) -> AsyncIterator[Browser]:
    b = site.browser()
    yield b
    await b.aclose()


@pytest.fixture
async def other_browser(site: Site) -> AsyncIterator[Browser]:
    b = site.browser()
    yield b
    await b.aclose()
