"""The page says what will not happen instead of promising it: a server without the bot, and a
server without Discord login (the token is then the way in, not a 503 page)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from api.app import create_app
from api.auth import TokenService
from api.services.partnerships import ManualPartner
from tests.api.conftest import SECRET, make_settings
from tests.api.factories import GUILD

from .conftest import EDITOR, RestartableServer, expect_text, partner_card, screenshot

pytestmark = pytest.mark.asyncio(loop_scope="session")

NO_BOT_GUILD = GUILD + 7  # uses the service (it has settings) but the cluster never reported it
ALL_PERMS = ["partnerships.view", "partnerships.edit"]


async def paste_token(page, base: str, token: str) -> None:
    await page.goto(base + "/dashboard/")
    details = page.locator("#token-login")
    if await details.get_attribute("open") is None:
        await page.get_by_text("Developers: use an API token").click()
    await page.get_by_label("Bearer token").fill(token)
    await page.get_by_role("button", name="Use token").click()
    await page.get_by_role("heading", name="Review queue").wait_for()


async def test_without_the_bot_the_page_says_so_once_and_offers_no_bump(site, page):
    container = site.container
    await container.guild_settings.update(NO_BOT_GUILD, {"showcase_channel_id": NO_BOT_GUILD + 1}, actor=EDITOR)
    manual = ManualPartner.parse(
        guild_id=NO_BOT_GUILD, partner_guild_id="1250000000000004321", partner_name="Quiet Quarry",
        invite_code="quietquarry", representative_id="1300000000000000777", advertisement="Rocks.",
        member_count=1200,
    )  # fmt: skip
    partnership = await container.partnerships.create_manual(manual, actor=EDITOR)

    await paste_token(page, site.base, site.tokens.issue(EDITOR, {NO_BOT_GUILD: ALL_PERMS}))

    banner = page.get_by_role("region", name="The bot is not in this server")
    await expect_text(banner, "nothing is posted, bumped or removed in Discord")
    await page.get_by_role("link", name="Partners").click()
    card = partner_card(page, partnership)
    await expect_text(card, "Quiet Quarry")
    await expect_text(card, "not posted")
    await card.get_by_role("button", name="End…").wait_for()  # the card's actions are drawn
    assert await card.get_by_role("button", name="Bump").count() == 0
    assert await card.get_by_text("Next bump").count() == 0
    assert "posts it shortly" not in await page.locator("body").inner_text()
    assert await page.get_by_text("The bot is not in this server").count() == 1  # once, at the top
    await screenshot(page, "dashboard-no-bot")


async def test_with_the_bot_there_is_no_banner_and_bump_is_offered(site, page):
    manual = ManualPartner.parse(
        guild_id=GUILD, partner_guild_id="1250000000000004322", partner_name="Loud Lagoon",
        invite_code="loudlagoon", representative_id="1300000000000000778", advertisement="Waves.",
        member_count=900,
    )  # fmt: skip
    partnership = await site.container.partnerships.create_manual(manual, actor=EDITOR)

    await paste_token(page, site.base, site.tokens.issue(EDITOR, {GUILD: ALL_PERMS}))
    await page.get_by_role("link", name="Partners").click()

    card = partner_card(page, partnership)
    await expect_text(card, "the bot posts it shortly")
    await card.get_by_role("button", name="Bump").wait_for()
    assert await page.get_by_text("The bot is not in this server").count() == 0


@contextlib.asynccontextmanager
async def site_without_discord_login() -> AsyncIterator[tuple[str, TokenService]]:
    """The API as `python -m api` starts without DISCORD_CLIENT_ID & co: its own in-memory database."""
    tokens = TokenService(SECRET, 15)
    server = RestartableServer(create_app(make_settings(), tokens=tokens))
    await server.start()
    try:
        yield f"http://127.0.0.1:{server.port}", tokens
    finally:
        await server.stop()


async def test_without_discord_login_the_token_is_the_way_in(page):
    async with site_without_discord_login() as (base, tokens):
        await page.goto(base + "/dashboard/")

        # The text is in the page's HTML from the start, hidden: wait until the page has shown it, which
        # it does in the same step as opening the token form and hiding the Discord link.
        await page.locator("#login-off").wait_for(state="visible")
        await expect_text(page.locator("#login-off"), "Discord login is not set up on this server")
        assert await page.get_by_role("link", name="Sign in with Discord").count() == 0
        token_input = page.get_by_label("Bearer token")
        assert await token_input.is_visible()  # no click needed: it is the primary path
        await screenshot(page, "dashboard-sign-in-without-discord-login")

        await token_input.fill(tokens.issue(EDITOR, {GUILD: ALL_PERMS}))
        await page.get_by_role("button", name="Use token").click()
        await page.get_by_role("heading", name="Review queue").wait_for()
        await expect_text(page.locator("#who"), str(EDITOR))


async def test_with_discord_login_the_token_form_stays_an_aside(site, page):
    await page.goto(site.base + "/dashboard/")

    await page.get_by_role("link", name="Sign in with Discord").wait_for()
    assert await page.locator("#login-off").is_hidden()
    assert await page.get_by_label("Bearer token").is_hidden()  # folded under "Developers: …"
