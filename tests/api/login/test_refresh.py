"""Refresh rotates the token and recomputes permissions from Discord; reuse revokes the family; logout ends it."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from api.auth import EDIT, VIEW
from tests.support.fake_oauth import Membership

from .conftest import GUILD_PLAIN, GUILD_ROLES, MANAGER_ROLE, VIEWER_ROLE

USER = 1300000000000000003


@pytest.fixture
def user(site):
    return site.fake.add_user(USER, {GUILD_ROLES: Membership(roles=[VIEWER_ROLE]), GUILD_PLAIN: Membership(owner=True)})


async def refresh_with_body(site, token: str) -> httpx.Response:
    """A client without cookies (a script, a native app) sends the token in the body."""
    async with httpx.AsyncClient(base_url=site.base) as http:
        return await http.post("/auth/refresh", json={"refresh_token": token})


def cleared(response: httpx.Response) -> bool:
    return any(c.startswith("partners_refresh=") and "Max-Age=0" in c for c in response.headers.get_list("set-cookie"))


async def test_refresh_rotates_and_a_reused_token_revokes_the_family(site, browser, user):
    first = await browser.login(USER)
    assert browser.refresh_cookie() == first.refresh_token

    response = await browser.refresh()
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == site.settings.auth_token_minutes * 60
    assert "refresh_token" not in body  # it came as a cookie, it goes back as one
    assert response.headers["cache-control"] == "no-store"
    second = browser.refresh_cookie()
    assert second and second != first.refresh_token
    assert await site.viewer_guild_ids(body["access_token"]) == sorted([str(GUILD_ROLES), str(GUILD_PLAIN)])

    # The old token is spent; presenting it again is taken as theft: the whole family ends.
    reused = await refresh_with_body(site, first.refresh_token)
    assert reused.status_code == 401 and reused.json()["error"] == "invalid_grant"
    after_theft = await browser.refresh()
    assert after_theft.status_code == 401
    assert cleared(after_theft)
    assert all(doc["revoked"] for doc in await site.refresh_documents())


async def test_refresh_with_a_json_body_returns_the_new_token_in_the_body(site, browser, user):
    first = await browser.login(USER)
    response = await refresh_with_body(site, first.refresh_token)
    assert response.status_code == 200, response.text
    second = response.json()["refresh_token"]
    assert second != first.refresh_token
    assert not response.headers.get_list("set-cookie")
    again = await refresh_with_body(site, second)
    assert again.status_code == 200 and again.json()["refresh_token"] not in (first.refresh_token, second)


async def test_refresh_recomputes_permissions_from_discord(site, browser, user):
    await browser.login(USER)
    user.guilds[GUILD_ROLES] = Membership(roles=[MANAGER_ROLE])  # promoted
    del user.guilds[GUILD_PLAIN]  # left the guild
    promoted = (await browser.refresh()).json()["access_token"]
    assert site.tokens.decode(promoted).perms == {GUILD_ROLES: frozenset({VIEW, EDIT})}
    user.guilds[GUILD_ROLES] = Membership(roles=[])  # demoted to nothing
    demoted = await browser.refresh()
    assert demoted.status_code == 200
    assert site.tokens.decode(demoted.json()["access_token"]).perms == {}


async def test_an_expired_discord_token_is_renewed_with_discords_refresh_token(site, browser, user):
    await browser.login(USER)
    site.fake.expire_access_tokens()
    first = await browser.refresh()
    assert first.status_code == 200, first.text
    assert site.fake.api_calls("/oauth2/token") == 2  # the code, then one refresh_token grant
    # The renewed Discord grant was kept: the next refresh uses it without another renewal.
    assert (await browser.refresh()).status_code == 200
    assert site.fake.api_calls("/oauth2/token") == 2


async def test_a_user_who_deauthorized_the_app_is_signed_out(site, browser, user):
    first = await browser.login(USER)
    site.fake.revoke_user(USER)
    response = await browser.refresh()
    assert response.status_code == 401 and cleared(response)
    assert (await refresh_with_body(site, first.refresh_token)).status_code == 401


@pytest.mark.parametrize("failure", ["503", "unreachable"])
async def test_discord_down_refuses_the_refresh_but_keeps_the_session(site, browser, user, failure):
    tokens = await browser.login(USER)
    if failure == "503":
        site.fake.unavailable = True
    else:
        await site.fake.stop()
    response = await browser.refresh()
    assert response.status_code == 502, response.text
    assert response.json()["error"] == "discord_unavailable" and not cleared(response)
    assert browser.refresh_cookie() == tokens.refresh_token  # not rotated, not spent
    if failure == "503":
        site.fake.unavailable = False
        assert (await browser.refresh()).status_code == 200


async def test_concurrent_uses_of_one_token_let_at_most_one_through(site, browser, user):
    tokens = await browser.login(USER)
    responses = await asyncio.gather(*(refresh_with_body(site, tokens.refresh_token) for _ in range(3)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses[1:] == [401, 401] and statuses[0] in (200, 401)


async def test_logout_revokes_the_family_and_clears_the_cookie(site, browser, user):
    first = await browser.login(USER)
    assert (await browser.refresh()).status_code == 200
    second = browser.refresh_cookie()
    response = await browser.logout()
    assert response.status_code == 204 and cleared(response)
    assert browser.refresh_cookie() is None
    for token in (first.refresh_token, second):
        assert (await refresh_with_body(site, token)).status_code == 401
    assert all(doc["revoked"] for doc in await site.refresh_documents())
    assert (await browser.logout()).status_code == 204  # idempotent


async def test_refresh_without_a_token(site, browser):
    for response in (
        await browser.refresh(),
        await refresh_with_body(site, ""),
        await refresh_with_body(site, "unknown"),
    ):
        assert response.status_code == 401 and response.json()["error"] == "invalid_grant"
    async with httpx.AsyncClient(base_url=site.base) as http:
        bad = await http.post("/auth/refresh", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
