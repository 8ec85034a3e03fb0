"""Callbacks that must issue nothing: forged or foreign state, no cookie, replayed code, Discord errors."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from api.app import create_app
from tests.api.conftest import make_settings, serve
from tests.support.fake_oauth import Membership

from .conftest import CLIENT_SECRET, GUILD_PLAIN, open_site

USER = 1300000000000000002


def state_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


def callback_url(site, code: str, state: str) -> str:
    return f"{site.base}/auth/discord/callback?{urlencode({'code': code, 'state': state})}"


async def assert_nothing_issued(site, response: httpx.Response, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert "Traceback" not in response.text and "access_token" not in response.text
    assert "location" not in response.headers
    assert not any(c.startswith("partners_refresh=") for c in response.headers.get_list("set-cookie"))
    assert await site.refresh_documents() == []


@pytest.fixture
def user(site):
    return site.fake.add_user(USER, {GUILD_PLAIN: Membership(owner=True)})


async def test_forged_state(site, browser, user):
    await browser.start()
    response = await browser.callback(callback_url(site, site.fake.issue_code(USER), "forged-state"))
    await assert_nothing_issued(site, response)
    assert "does not match" in response.text
    assert site.fake.api_calls("/oauth2/token") == 0  # the code was not even exchanged


async def test_missing_cookie(site, browser, other_browser, user):
    state = state_of(await browser.start())
    # The same URL opened by a browser that never started a login (or blocks cookies).
    response = await other_browser.callback(callback_url(site, site.fake.issue_code(USER), state))
    await assert_nothing_issued(site, response)
    assert "no login in progress" in response.text
    assert site.fake.api_calls("/oauth2/token") == 0


async def test_state_from_another_browser(site, browser, other_browser, user):
    """Login CSRF: an attacker's callback URL (their state, their code) planted in a victim's browser
    that has a login of its own in progress."""
    attacker_callback = await other_browser.consent(await other_browser.start(), USER)
    await browser.start()
    response = await browser.callback(attacker_callback)
    await assert_nothing_issued(site, response)
    assert site.fake.api_calls("/oauth2/token") == 0


async def test_tampered_cookie(site, browser, user):
    state = state_of(await browser.start())
    cookie = browser.http.cookies.get("partners_login_state")
    browser.http.cookies.set("partners_login_state", cookie[:-4] + "AAAA", domain="127.0.0.1", path="/auth/discord")
    response = await browser.callback(callback_url(site, site.fake.issue_code(USER), state))
    await assert_nothing_issued(site, response)


async def test_a_state_serves_one_attempt(site, browser, user):
    """The callback clears the state cookie, so a refused attempt cannot be retried with it."""
    callback = await browser.consent(await browser.start(), USER)
    state = state_of(callback)
    await browser.callback(callback_url(site, "not-a-code-discord-gave", state))
    response = await browser.callback(callback)
    await assert_nothing_issued(site, response)


async def test_replayed_code_is_refused_before_discord(site, browser, other_browser, user):
    callback = await browser.consent(await browser.start(), USER)
    assert (await browser.callback(callback)).status_code == 303
    issued = len(await site.refresh_documents())
    # The same code again, with a state this browser rightly holds.
    code = parse_qs(urlsplit(callback).query)["code"][0]
    state = state_of(await other_browser.start())
    response = await other_browser.callback(callback_url(site, code, state))
    assert response.status_code == 400 and "already used" in response.text
    assert len(await site.refresh_documents()) == issued
    assert site.fake.api_calls("/oauth2/token") == 1


async def test_code_refused_by_discord(site, browser, user):
    state = state_of(await browser.start())
    response = await browser.callback(callback_url(site, "a-code-discord-never-gave", state))
    await assert_nothing_issued(site, response)
    assert "Discord did not accept" in response.text


async def test_cancelled_at_discord(site, browser, user):
    state = state_of(await browser.start())
    response = await browser.callback(f"{site.base}/auth/discord/callback?error=access_denied&state={state}")
    await assert_nothing_issued(site, response)
    assert "cancelled" in response.text


async def test_missing_code(site, browser, user):
    state = state_of(await browser.start())
    response = await browser.callback(f"{site.base}/auth/discord/callback?state={state}")
    await assert_nothing_issued(site, response)


@pytest.mark.parametrize("failure", ["503", "unreachable"])
async def test_discord_down_gives_502_without_internals(site, browser, user, failure):
    callback = await browser.consent(await browser.start(), USER)
    if failure == "503":
        site.fake.unavailable = True
    else:
        await site.fake.stop()
    response = await browser.callback(callback)
    await assert_nothing_issued(site, response, status=502)
    assert "Discord could not be reached" in response.text
    assert CLIENT_SECRET not in response.text and "127.0.0.1" not in response.text


async def test_refused_client_credentials_are_an_operator_error(container, tokens, fake):
    """A wrong DISCORD_CLIENT_SECRET: Discord answers 401 invalid_client; the page says who must act,
    without the secret."""
    async with open_site(container, tokens, fake, discord_client_secret="wrong-secret-0123456789") as site:
        site.fake.add_user(USER, {GUILD_PLAIN: Membership(owner=True)})
        browser = site.browser()
        response = await browser.callback(await browser.consent(await browser.start(), USER))
        await browser.aclose()
        await assert_nothing_issued(site, response, status=502)
    assert "administrator" in response.text and "wrong-secret" not in response.text


async def test_not_configured(container, tokens):
    async with serve(create_app(make_settings(), container=container, tokens=tokens)) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            login = await http.get("/auth/discord/login")
            refresh = await http.post("/auth/refresh", json={"refresh_token": "x"})
            for response in (login, refresh):
                assert response.status_code == 503, response.text
                assert "DISCORD_CLIENT_ID" in response.text
            assert (await http.post("/auth/logout")).status_code == 204
