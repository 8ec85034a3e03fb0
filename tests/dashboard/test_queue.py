"""The review queue in a real browser: sign-in, approve, deny with blacklist, live arrivals."""

from __future__ import annotations

import pytest

from tests.api.factories import GUILD

from .conftest import app_card, expect_text, live_on, screenshot, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_sign_in_through_discord_shows_the_queue_oldest_first(site, page):
    await site.submit(name="Pixel Painters", members=4210, source="SLASH")
    await site.submit(name="The Study Hall", members=18750, source="DM")

    await sign_in(page, site)

    assert "access_token" not in page.url  # read from the fragment, then cleared from the address bar
    assert f"guild={GUILD}" in page.url
    await expect_text(page.locator("#guild-picker"), f"Server {GUILD}")
    cards = page.locator("li.application")
    await expect_text(cards.nth(0), "Pixel Painters")
    await expect_text(cards.nth(1), "The Study Hall")
    await expect_text(cards.nth(1), "Direct message")
    await expect_text(cards.nth(0), "4,210 members")
    await expect_text(page.locator("#limits"), "2 / 250 pending")
    await live_on(page)
    await screenshot(page, "queue")


async def test_approve_changes_the_application_and_the_limits(site, page):
    app = await site.submit(name="Lo-fi Lounge", members=9320)
    await sign_in(page, site)
    card = app_card(page, app)
    await expect_text(page.locator("#limits"), "0 / 100 active")

    await card.get_by_role("button", name="Approve").click()

    await expect_text(card, "Approved by you. A partnership was created.")
    await expect_text(card.locator(".badge"), "Approved")  # the status in words, not a colour
    assert await card.get_by_role("button", name="Approve").count() == 0
    await expect_text(page.locator("#limits"), "1 / 100 active")
    stored = await site.container.application_repo.get(app.id)
    assert stored.status.value == "APPROVED"

    await page.get_by_role("link", name="Partners").click()
    await expect_text(page.locator(".view-partners"), "Lo-fi Lounge")


async def test_an_application_from_another_client_appears_live_and_a_decision_elsewhere_shows(site, page):
    await sign_in(page, site)
    await live_on(page)
    await page.evaluate("window.__sameDocument = true")  # gone if the page reloaded
    await expect_text(page.locator(".view-queue .summary"), "Nothing waiting for review.")

    app = await site.submit(name="Speedrun Central", members=26100, source="PANEL")

    card = app_card(page, app)
    await expect_text(card, "Speedrun Central")
    await expect_text(card, "New")
    await expect_text(card, "Panel button")
    await expect_text(page.locator("#announcer"), "New application from Speedrun Central.")
    await expect_text(page.locator("#limits"), "1 / 250 pending")

    # Decided by someone else (a reaction in Discord, another dashboard): the card says so.
    await site.container.applications.approve(app, actor=1300000000000000777)
    await expect_text(card, "Approved by user 1300000000000000777.")
    assert await page.evaluate("window.__sameDocument") is True


async def test_deny_with_blacklist_puts_the_server_in_the_blacklist(site, page):
    app = await site.submit(name="Spam Palace", members=150)
    await sign_in(page, site)
    card = app_card(page, app)

    await card.get_by_role("button", name="Deny…").click()
    await card.get_by_label("Reason").fill("Advertises other servers' raids")
    await card.get_by_label("Blacklist this server").check()
    await card.get_by_role("button", name="Deny application").click()

    await expect_text(card, "Denied by you. The server is now blacklisted.")
    await expect_text(page.locator("#limits"), "1 / 500 blacklisted")

    await page.get_by_role("link", name="Blacklist").click()
    row = page.locator(f'.view-blacklist tr[data-id="{app.partner.id}"]')
    await expect_text(row, str(app.partner.id))
    await expect_text(row, "Advertises other servers' raids")

    # Add one by hand, with the page's own check first.
    await page.get_by_label("Server id").fill("not-an-id")
    await page.get_by_role("button", name="Add to blacklist").click()
    await expect_text(page.locator("#blacklist-server-error"), "digits only")
    await page.get_by_label("Server id").fill("1234567890123456789")
    await page.get_by_label("Reason (optional)").fill("Known scam network")
    await page.get_by_role("button", name="Add to blacklist").click()
    await expect_text(page.locator('.view-blacklist tr[data-id="1234567890123456789"]'), "Known scam network")
    await expect_text(page.locator("#limits"), "2 / 500 blacklisted")
    await screenshot(page, "blacklist")

    await page.get_by_role("button", name="Remove server 1234567890123456789 from the blacklist").click()
    await expect_text(page.locator("#announcer"), "removed from the blacklist")
    assert await page.locator('.view-blacklist tr[data-id="1234567890123456789"]').count() == 0


async def test_an_advertisement_with_markup_and_mentions_is_shown_as_plain_text(site, page, problems):
    ad = '<script>alert(1)</script> @everyone <img src=x onerror="alert(2)"> <b>bold?</b>'
    app = await site.submit(name="<i>Tricky</i> & Co", advertisement=ad)
    await sign_in(page, site)
    card = app_card(page, app)

    await expect_text(card.locator(".user-text"), "<script>alert(1)</script> @everyone")
    await expect_text(card.locator(".user-text"), '<img src=x onerror="alert(2)"> <b>bold?</b>')
    await expect_text(card.locator("h3"), "<i>Tricky</i> & Co")
    assert await card.locator("script, img[src=x], b, i").count() == 0
    await page.wait_for_timeout(200)  # any injected handler would have run by now
    assert problems.dialogs == []
    assert await card.locator(".user-text").inner_text() == ad


async def test_a_viewer_sees_the_queue_without_actions_and_no_audit_log(site, page):
    from .conftest import VIEWER

    await site.submit(name="Chess Club", members=11240)
    await sign_in(page, site, VIEWER)
    await expect_text(page.locator(".view-queue"), "Chess Club")
    await expect_text(page.locator(".view-queue"), "View only")
    assert await page.get_by_role("button", name="Approve").count() == 0

    await page.get_by_role("link", name="Audit log").click()
    await expect_text(page.locator(".view-audit"), "Not permitted.")


async def test_limits_show_where_they_bite(site, page):
    await site.container.guild_settings.update(GUILD, {"max_active": 1})
    first = await site.submit(name="First In", members=5000)
    second = await site.submit(name="Second In", members=5000)
    await sign_in(page, site)
    await expect_text(page.locator("#limits"), "0 / 1 active")

    await app_card(page, first).get_by_role("button", name="Approve").click()
    await expect_text(page.locator("#limits"), "1 / 1 active: approvals are refused until a partnership ends")

    card = app_card(page, second)
    await card.get_by_role("button", name="Approve").click()
    await expect_text(card.get_by_role("alert"), "active")  # ACTIVE_LIMIT_REACHED, in the card
    await expect_text(card.locator(".badge"), "Pending")


async def test_the_guild_picker_switches_server_and_its_live_events(site, page):
    from tests.api.factories import OTHER_GUILD, submitted
    from tests.support.fake_oauth import Membership

    from .conftest import EDITOR

    await site.container.guild_settings.update(OTHER_GUILD, {"max_active": 5})
    site.fake.users[EDITOR].guilds[OTHER_GUILD] = Membership(owner=True)
    await site.submit(name="Here In The First")
    await sign_in(page, site)
    await expect_text(page.locator(".view-queue"), "Here In The First")

    await page.get_by_label("Server", exact=True).select_option(str(OTHER_GUILD))
    await page.wait_for_url(f"**guild={OTHER_GUILD}*")
    await expect_text(page.locator(".view-queue .summary"), "Nothing waiting for review.")
    await expect_text(page.locator("#limits"), "0 / 5 active")
    await live_on(page)
    other = await site.container.applications.submit(submitted(OTHER_GUILD, name="Over In The Other"))
    await expect_text(app_card(page, other), "Over In The Other")
    assert await page.get_by_text("Here In The First").count() == 0
