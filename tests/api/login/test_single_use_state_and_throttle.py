"""A login's state works once, on the server (one state cookie cannot carry several codes to Discord),
and everything under /auth is throttled per client address (issue 14, items 5 and 8)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from api.container import Container
from tests.support.fake_oauth import Membership

from .conftest import GUILD_PLAIN, open_site
from .test_refusals import assert_nothing_issued, callback_url, state_of

USER = 1300000000000000007


@pytest.fixture
def user(site):
    return site.fake.add_user(USER, {GUILD_PLAIN: Membership(owner=True)})


def _keep_state_cookie(browser, cookie: str) -> None:
    """What an attacker does: ignore the callback's order to clear the cookie."""
    browser.http.cookies.set("partners_login_state", cookie, domain="127.0.0.1", path="/auth/discord")


async def test_one_state_cookie_cannot_carry_a_second_code_to_discord(site, browser, user):
    state = state_of(await browser.start())
    cookie = browser.http.cookies.get("partners_login_state")
    first = await browser.callback(callback_url(site, "a-code-discord-never-gave", state))
    assert first.status_code == 400
    _keep_state_cookie(browser, cookie)
    second = await browser.callback(callback_url(site, site.fake.issue_code(USER), state))
    await assert_nothing_issued(site, second)
    assert "already used" in second.text
    assert site.fake.api_calls("/oauth2/token") == 1  # the second code never reached Discord


async def test_concurrent_callbacks_with_one_state_exchange_one_code(site, browser, user):
    state = state_of(await browser.start())
    cookie = browser.http.cookies.get("partners_login_state")

    async def attempt() -> int:
        async with httpx.AsyncClient(timeout=10) as http:
            http.cookies.set("partners_login_state", cookie, domain="127.0.0.1", path="/auth/discord")
            return (await http.get(callback_url(site, site.fake.issue_code(USER), state))).status_code

    statuses = await asyncio.gather(*(attempt() for _ in range(8)))
    assert sorted(statuses) == [303] + [400] * 7
    assert site.fake.api_calls("/oauth2/token") == 1 and len(await site.refresh_documents()) == 1


async def test_a_good_login_still_works_once(site, browser, user):
    tokens = await browser.login(USER)
    assert await site.viewer_guild_ids(tokens.access_token) == [str(GUILD_PLAIN)]


async def test_auth_is_throttled_per_client_address(container: Container, tokens, fake):
    async with open_site(container, tokens, fake, auth_burst=3, auth_rate_per_minute=1) as site:
        async with httpx.AsyncClient(base_url=site.base, timeout=10) as http:
            # The test server trusts X-Forwarded-For from 127.0.0.1, as uvicorn trusts a local proxy.
            outsider = {"X-Forwarded-For": "203.0.113.9"}
            statuses = [(await http.get("/auth/discord/login", headers=outsider)).status_code for _ in range(3)]
            statuses.append(
                (await http.post("/auth/refresh", headers=outsider, json={"refresh_token": "x"})).status_code
            )
            refused = await http.get("/auth/discord/callback?code=a&state=b", headers=outsider)
            assert statuses == [302, 302, 302, 429] and refused.status_code == 429
            assert int(refused.headers["retry-after"]) > 0
            staff = await http.get("/auth/discord/login", headers={"X-Forwarded-For": "198.51.100.4"})
            assert staff.status_code == 302
    assert fake.api_calls("/oauth2/token") == 0


@pytest.mark.parametrize("body", ['{"refresh_token": "\\ud800"}', '"str"', "42", "null", "[1, 2]"])
async def test_a_malformed_refresh_body_is_a_4xx(site, body):
    async with httpx.AsyncClient(base_url=site.base, timeout=10) as http:
        response = await http.post("/auth/refresh", content=body, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"] in ("invalid_request", "invalid_grant")
