"""Fixtures of the dashboard's end-to-end tests: Debian's Chromium driven by Playwright (never a
downloaded browser), the API on its embedded default served by uvicorn on a real socket (restartable
on the same port, to drop the page's websocket), and the fake Discord OAuth server to sign in through.

One browser for the whole run (it takes a second or two to start); a fresh API, fake Discord and
browser context (hence fresh data and cookies) per test. Everything runs on the session's event loop:
test modules here mark themselves `pytest.mark.asyncio(loop_scope="session")`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
from playwright import async_api as playwright_api

from api.app import create_app
from api.auth import TokenService
from api.container import Container
from api.graphql.ids import to_global_id
from api.lifecycle import start_live
from api.settings import ApiSettings
from bus import Envelope
from tests.api.conftest import SECRET, make_settings
from tests.api.factories import GUILD, submitted
from tests.support.fake_oauth import FakeOAuth, Membership

CHROMIUM = os.environ.get("DASHBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

CLIENT_ID = "1234567890123456789"
CLIENT_SECRET = "client-secret-never-logged-0123456789"
EDITOR = 1300000000000090001  # owner of GUILD: view + edit
VIEWER = 1300000000000090002  # holds VIEWER_ROLE in GUILD: view only
VIEWER_ROLE = 1500000000000090001


class RestartableServer:
    """uvicorn on one fixed port; stop() and start() again on the same port (a server restart)."""

    def __init__(self, app: Any, port: int = 0):
        self.app = app
        self.port = port
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        async with asyncio.timeout(10):
            while not self._server.started:
                await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = self._task = None


@dataclass
class Site:
    base: str
    settings: ApiSettings
    container: Container
    tokens: TokenService
    fake: FakeOAuth
    server: RestartableServer
    submitted_ids: list[str] = field(default_factory=list)

    async def submit(self, **kw: Any) -> Any:
        """An application as another client (the bot) sends it: straight into the service."""
        envelope: Envelope = submitted(GUILD, **kw)
        app = await self.container.applications.submit(envelope)
        assert app is not None
        self.submitted_ids.append(app.id)
        return app

    async def restart(self, while_down: Any = None) -> None:
        """Stops the server (every websocket drops), runs `while_down()`, starts it on the same port."""
        await self.server.stop()
        if while_down is not None:
            await while_down()
        await self.server.start()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def chromium() -> AsyncIterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        await browser.close()


@pytest_asyncio.fixture(loop_scope="session")
async def site() -> AsyncIterator[Site]:
    async with FakeOAuth(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri="") as fake:
        # The port is fixed first: the callback URL registered at (fake) Discord names it.
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        base = f"http://127.0.0.1:{port}"
        fake.redirect_uri = base + "/auth/discord/callback"
        settings = make_settings(
            discord_client_id=CLIENT_ID,
            discord_client_secret=CLIENT_SECRET,
            discord_oauth_base=fake.oauth_base,
            discord_api_base=fake.api_base,
            oauth_redirect_uri=fake.redirect_uri,
            discord_timeout_seconds=2,
        )
        container = await Container.open(settings)
        await start_live(container)
        tokens = TokenService(SECRET, settings.auth_token_minutes)
        # The guild uses the service (it has settings), with a viewer role.
        await container.guild_settings.update(
            GUILD, {"viewer_role_ids": [VIEWER_ROLE], "showcase_channel_id": GUILD + 1}, actor=EDITOR
        )
        await container.bot_guilds.mark_present([GUILD])  # as shard.ready reports it; other guilds have no bot
        fake.add_user(EDITOR, {GUILD: Membership(owner=True)})
        fake.add_user(VIEWER, {GUILD: Membership(permissions=0x400, roles=[VIEWER_ROLE])})
        server = RestartableServer(create_app(settings, container=container, tokens=tokens), port)
        await server.start()
        try:
            yield Site(base, settings, container, tokens, fake, server)
        finally:
            await server.stop()
            await container.close()


class PageProblems:
    """Whatever would mean the page misbehaved: a dialog (alert from injected script), an uncaught
    exception, a console error (CSP violations are reported there)."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []

    def watch(self, page: Any) -> None:
        async def on_dialog(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            await dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on(
            "console",
            lambda message: self.errors.append(f"console: {message.text}") if message.type == "error" else None,
        )

    def check(self, allow: tuple[str, ...] = ()) -> None:
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        unexpected = [e for e in self.errors if not any(a in e for a in allow)]
        assert unexpected == [], unexpected


@pytest_asyncio.fixture(loop_scope="session")
async def context(chromium: Any) -> AsyncIterator[Any]:
    ctx = await chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    ctx.set_default_timeout(8000)
    yield ctx
    await ctx.close()


@pytest_asyncio.fixture(loop_scope="session")
async def problems() -> AsyncIterator[PageProblems]:
    found = PageProblems()
    yield found


@pytest_asyncio.fixture(loop_scope="session")
async def page(context: Any, problems: PageProblems) -> AsyncIterator[Any]:
    p = await context.new_page()
    problems.watch(p)
    yield p
    # Network errors of a deliberately stopped server are expected in the reconnect test only,
    # which says so by clearing them; everything else must be clean.
    problems.check()


async def sign_in(page: Any, site: Site, user_id: int = EDITOR) -> None:
    """Through the real flow: the dashboard's button -> /auth/discord/login -> (fake) Discord ->
    /auth/discord/callback -> /dashboard/#access_token=..."""
    site.fake.signed_in = user_id
    await page.goto(site.base + "/dashboard/")
    button = page.get_by_role("link", name="Sign in with Discord")
    await button.click()
    await page.wait_for_url("**/dashboard/?guild=*")
    await page.get_by_role("heading", name="Review queue", level=1).wait_for()


async def live_on(page: Any) -> None:
    await expect_text(page.locator("#live-status"), "Live updates: on")


async def expect_text(locator: Any, text: str, timeout: float = 8000) -> None:
    await playwright_api.expect(locator).to_contain_text(text, timeout=timeout)


async def screenshot(page: Any, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    with contextlib.suppress(Exception):  # a screenshot is for people; never the reason a test fails
        await page.screenshot(path=str(path), full_page=full_page)
    return path


def app_card(page: Any, app: Any) -> Any:
    """The queue card of an application record (cards carry the API's global id)."""
    return page.locator(f'li.application[data-id="{to_global_id("Application", app.id)}"]')


def partner_card(scope: Any, partnership: Any) -> Any:
    return scope.locator(f'li.partnership[data-id="{to_global_id("Partnership", partnership.id)}"]')
