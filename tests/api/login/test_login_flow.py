"""The whole login over real HTTP: API on uvicorn, fake Discord on aiohttp, a cookie-keeping browser."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from api.auth import EDIT, VIEW
from tests.support.fake_oauth import Membership

from .conftest import (
    ADMINISTRATOR,
    CLIENT_ID,
    EVERYDAY,
    GUILD_OUTSIDE,
    GUILD_PLAIN,
    GUILD_ROLES,
    MANAGE_GUILD,
    MANAGER_ROLE,
    OTHER_ROLE,
    VIEWER_ROLE,
)

USER = 1300000000000000001


async def test_login_redirects_to_discord_with_a_state_bound_to_the_browser(site, browser):
    url = urlsplit(await browser.start("/guilds/1?tab=queue"))
    assert f"{url.scheme}://{url.netloc}" == site.fake.oauth_base and url.path == "/oauth2/authorize"
    query = parse_qs(url.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == [site.settings.oauth_redirect_uri]
    assert query["scope"] == ["identify guilds guilds.members.read"]
    state = query["state"][0]
    assert len(state) >= 32
    cookie = next(c for c in browser.http.cookies.jar if c.name == "partners_login_state")
    assert cookie.path == "/auth/discord" and state not in cookie.value  # signed payload, not the bare state
    assert cookie.has_nonstandard_attr("HttpOnly")
    raw = (await browser.http.get(site.base + "/auth/discord/login")).headers["set-cookie"]
    assert "HttpOnly" in raw and "SameSite=lax" in raw and "Secure" not in raw  # http here; https adds Secure


@pytest.mark.parametrize(
    "membership, expected",
    [
        (Membership(owner=True), [VIEW, EDIT]),
        (Membership(permissions=MANAGE_GUILD | EVERYDAY), [VIEW, EDIT]),
        (Membership(permissions=ADMINISTRATOR), [VIEW, EDIT]),
        (Membership(permissions=EVERYDAY, roles=[MANAGER_ROLE]), [VIEW, EDIT]),
        (Membership(permissions=EVERYDAY, roles=[VIEWER_ROLE]), [VIEW]),
        (Membership(permissions=EVERYDAY, roles=[OTHER_ROLE]), None),
    ],
    ids=["owner", "manage_guild", "administrator", "manager_role", "viewer_role", "none"],
)
async def test_callback_issues_exactly_the_right_permissions(site, browser, membership, expected):
    # Owner of a guild that does not use the service: it never appears.
    site.fake.add_user(USER, {GUILD_ROLES: membership, GUILD_OUTSIDE: Membership(owner=True)})
    tokens = await browser.login(USER, redirect="/guilds/1?tab=queue")

    assert tokens.path == "/guilds/1?tab=queue"
    assert tokens.expires_in == site.settings.auth_token_minutes * 60
    principal = site.tokens.decode(tokens.access_token)
    assert principal.user_id == USER
    assert {g: sorted(p) for g, p in principal.perms.items()} == ({GUILD_ROLES: sorted(expected)} if expected else {})
    # The token works on the GraphQL API.
    assert await site.viewer_guild_ids(tokens.access_token) == ([str(GUILD_ROLES)] if expected else [])
    # Roles are only asked where they can change the outcome (the member endpoint is rate-limited).
    asked = site.fake.api_calls(f"/users/@me/guilds/{GUILD_ROLES}/member")
    assert asked == (0 if membership.owner or membership.permissions & (ADMINISTRATOR | MANAGE_GUILD) else 1)
    assert site.fake.api_calls(f"/users/@me/guilds/{GUILD_OUTSIDE}/member") == 0


async def test_several_guilds_at_once(site, browser):
    site.fake.add_user(
        USER,
        {
            GUILD_ROLES: Membership(roles=[VIEWER_ROLE]),
            GUILD_PLAIN: Membership(permissions=MANAGE_GUILD),
            GUILD_OUTSIDE: Membership(owner=True),
        },
    )
    tokens = await browser.login(USER)
    perms = site.tokens.decode(tokens.access_token).perms
    assert perms == {GUILD_ROLES: frozenset({VIEW}), GUILD_PLAIN: frozenset({VIEW, EDIT})}
    assert await site.viewer_guild_ids(tokens.access_token) == sorted([str(GUILD_ROLES), str(GUILD_PLAIN)])


async def test_refresh_cookie_is_httponly_and_scoped_to_auth(site, browser):
    site.fake.add_user(USER, {GUILD_PLAIN: Membership(owner=True)})
    callback = await browser.consent(await browser.start(), USER)
    response = await browser.callback(callback)
    assert response.status_code == 303
    assert response.headers["cache-control"] == "no-store"
    cookies = response.headers.get_list("set-cookie")
    refresh = next(c for c in cookies if c.startswith("partners_refresh="))
    assert "HttpOnly" in refresh and "Path=/auth" in refresh and "SameSite=strict" in refresh
    # The state cookie is spent.
    assert any(c.startswith("partners_login_state=") and "Max-Age=0" in c for c in cookies)
    # The refresh token stays out of the URL; the access token travels only in the fragment.
    assert browser.refresh_cookie() not in response.headers["location"]
    assert response.headers["location"].startswith("/dashboard#access_token=")


@pytest.mark.parametrize("redirect", ["https://evil.example/", "//evil.example/x", "/\\evil.example", None])
async def test_no_open_redirect(site, browser, redirect):
    site.fake.add_user(USER, {GUILD_PLAIN: Membership(owner=True)})
    callback = await browser.consent(await browser.start(redirect), USER)
    response = await browser.callback(callback)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/#access_token=")


async def test_a_guild_the_bot_joined_is_open_to_its_managers_before_any_settings(site, browser, container):
    from bus import Envelope

    site.fake.add_user(USER, {GUILD_OUTSIDE: Membership(owner=True)})
    assert site.tokens.decode((await browser.login(USER)).access_token).perms == {}
    # The cluster reports the bot is in the guild (its shard became ready).
    ready = Envelope.new("shard.ready", "0", {"shard_id": 0, "shard_count": 1, "guild_ids": [str(GUILD_OUTSIDE)]})
    await container.shard_readiness.handle(ready)
    perms = site.tokens.decode((await browser.login(USER)).access_token).perms
    assert perms == {GUILD_OUTSIDE: frozenset({VIEW, EDIT})}


async def test_the_viewer_is_named_as_discord_names_them(site, browser):
    site.fake.add_user(USER, {GUILD_PLAIN: Membership(permissions=MANAGE_GUILD)})
    tokens = await browser.login(USER)

    async with httpx.AsyncClient() as http:
        response = await http.post(
            site.base + "/graphql",
            json={"query": "{ viewer { userId name } }"},
            headers={"Authorization": f"Bearer {tokens.access_token}"},
        )
    viewer = response.json()["data"]["viewer"]
    assert viewer == {"userId": str(USER), "name": site.fake.users[USER].username}
