"""The live connection's recovery, the token's renewal, sign-out, and the documents the page sends."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from graphql import parse, validate

from api.graphql.schema import build_schema
from tests.api.conftest import make_settings
from tests.api.factories import GUILD

from .conftest import EDITOR, app_card, expect_text, live_on, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_live_connection_recovers_after_a_drop_and_catches_up(site, page, problems):
    await sign_in(page, site)
    await live_on(page)
    await page.evaluate("window.__sameDocument = true")
    missed: list = []

    async def submit_while_down():
        # The page cannot hear of this one live: it must refetch after reconnecting.
        await expect_text(page.locator("#live-status"), "reconnecting")
        missed.append(await site.submit(name="Missed While Offline", members=3980))

    await site.restart(while_down=submit_while_down)

    await live_on(page)
    await expect_text(app_card(page, missed[0]), "Missed While Offline")
    # And live events flow again on the new connection.
    again = await site.submit(name="After The Restart", members=6720)
    await expect_text(app_card(page, again), "After The Restart")
    assert await page.evaluate("window.__sameDocument") is True
    # The browser logs the refused connection attempts while the server was down: expected here.
    problems.errors = [e for e in problems.errors if "WebSocket" not in e and "ERR_CONNECTION_REFUSED" not in e]


async def start_with_token(page, site, lifetime: float, told: int) -> tuple[float, Any]:
    """Opens the page with a token that really lasts `lifetime` s while the fragment says `told` s,
    as if the page had been open for a while. Resolves to (its expiry, the first response of
    POST /auth/refresh that followed)."""
    token = site.tokens.issue(
        EDITOR, {GUILD: ["partnerships.view", "partnerships.edit"]}, lifetime=timedelta(seconds=lifetime)
    )
    expires = site.tokens.decode(token).expires_at.timestamp()
    await page.goto("about:blank")  # a new document: the page reads the fragment when it starts
    async with page.expect_response(lambda r: r.url.endswith("/auth/refresh"), timeout=6000) as refreshed:
        await page.goto(
            f"{site.base}/dashboard/?guild={GUILD}#access_token={token}&token_type=Bearer&expires_in={told}"
        )
        await page.get_by_role("heading", name="Review queue").wait_for()
        assert "access_token" not in page.url
    return expires, await refreshed.value


async def test_the_token_is_renewed_before_it_expires(site, page):
    await sign_in(page, site)  # the refresh cookie
    # It lasts 3 to 4 s (the page is told 2): the page must refresh through the cookie in time.
    expires, refreshed = await start_with_token(page, site, lifetime=4, told=2)
    assert refreshed.status == 200 and time.time() < expires
    app = await site.submit(name="Heard After Renewal")
    await expect_text(app_card(page, app), "Heard After Renewal")
    await live_on(page)


async def test_an_expired_token_is_refreshed_when_the_api_refuses_it(site, page):
    await sign_in(page, site)
    # The page believes its token lasts 10 minutes; it dies in 1 to 2 s. The API then closes the
    # websocket with 4401 (and would answer UNAUTHENTICATED over HTTP): the page refreshes and carries on.
    _, refreshed = await start_with_token(page, site, lifetime=2, told=600)
    assert refreshed.status == 200
    await live_on(page)
    app = await site.submit(name="Heard After 4401")
    await expect_text(app_card(page, app), "Heard After 4401")
    await page.get_by_role("link", name="Blacklist").click()
    await expect_text(page.locator(".view-blacklist"), "No server is blacklisted.")


async def test_a_reload_keeps_the_session_and_sign_out_ends_it(site, page):
    await sign_in(page, site)
    await page.reload()
    await page.get_by_role("heading", name="Review queue").wait_for()  # through the refresh cookie
    await expect_text(page.locator("#who"), "1300000000000090001")

    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("link", name="Sign in with Discord").wait_for()
    await expect_text(page.locator("#signin-message"), "You signed out.")
    sessions = await site.container.database.sessions.find({"kind": "refresh"}).to_list(None)
    assert sessions and all(doc["revoked"] for doc in sessions)
    await page.reload()
    await page.get_by_role("link", name="Sign in with Discord").wait_for()
    assert await page.locator("#app").is_hidden()


async def test_keyboard_only_approval(site, page):
    app = await site.submit(name="Keyboard Kingdom")
    await sign_in(page, site)
    # Tab from the top of the page to the card's Approve button; Enter presses it.
    for _ in range(40):
        await page.keyboard.press("Tab")
        label = await page.evaluate("document.activeElement.textContent")
        if label == "Approve":
            break
    else:
        raise AssertionError("Approve is not reachable with Tab")
    outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # a visible focus ring
    await page.keyboard.press("Enter")
    await expect_text(app_card(page, app), "Approved by you")


async def test_every_document_the_page_sends_is_valid_against_the_schema(site, page):
    await page.goto(site.base + "/dashboard/")
    documents = await page.evaluate(
        """async () => {
            const api = await import('/dashboard/js/api.js');
            return Object.fromEntries(Object.entries(api).filter(([, v]) => typeof v === 'string'));
        }"""
    )
    assert {"QUEUE", "APPROVE", "DENY", "QUEUE_EVENTS", "UPDATE_SETTINGS", "AUDIT_LOG", "JOIN_STATS"} <= set(documents)
    schema = build_schema(make_settings())._schema
    for name, text in documents.items():
        if name == "SETTINGS_FIELDS":
            continue
        errors = validate(schema, parse(text))
        assert errors == [], (name, errors)


async def test_the_dashboard_is_served_with_a_strict_content_security_policy(site):
    import httpx

    async with httpx.AsyncClient(base_url=site.base) as http:
        redirect = await http.get("/dashboard")
        assert redirect.status_code in (301, 307) and redirect.headers["location"].endswith("/dashboard/")
        index = await http.get("/dashboard/")
        module = await http.get("/dashboard/js/api.js")
    assert index.status_code == 200 and "Sign in with Discord" in index.text
    assert "script-src 'self'" in index.headers["content-security-policy"]
    assert module.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript")


async def test_a_developer_can_paste_an_api_token(site, page):
    await page.goto(site.base + "/dashboard/")
    await page.get_by_text("Developers: use an API token").click()
    await page.get_by_label("Bearer token").fill("not.a.token")
    await page.get_by_role("button", name="Use token").click()
    await expect_text(page.locator("#token-error"), "not a dashboard token")

    token = site.tokens.issue(1300000000000090003, {1100000000000000000: ["partnerships.view"]})
    await page.get_by_label("Bearer token").fill(token)
    await page.get_by_role("button", name="Use token").click()
    await page.get_by_role("heading", name="Review queue").wait_for()
    await expect_text(page.locator("#who"), "1300000000000090003")
