"""The queue at 250: search, order, bulk decisions, live arrivals placed where they belong with a
notice and the pending count in the title, keyboard review; at desktop and at phone width."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from .conftest import app_card, expect_text, live_on, screenshot, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

PHONE = {"width": 390, "height": 844}


async def title_starts(page, text: str) -> None:
    await expect(page).to_have_title(re.compile("^" + re.escape(text)))


async def load_everything(page) -> None:
    more = page.get_by_role("button", name="Load more applications")
    while await more.is_visible():
        await more.click()
        await page.wait_for_timeout(50)  # lets the page settle between pages; asserts nothing


async def test_search_by_name_or_server_id_finds_the_partner(site, page):
    arcade = await site.submit(name="Alpha Arcade")
    await site.submit(name="Beta Base")
    soup = await site.submit(name="Alphabet Soup")
    await sign_in(page, site)
    await expect_text(page.locator(".view-queue .summary"), "3 pending")

    await page.get_by_label("Search partners").fill("alpha")
    await expect_text(page.locator(".view-queue .summary"), "2 pending matching “alpha”")
    assert await page.locator("li.application").count() == 2
    await expect_text(app_card(page, arcade), "Alpha Arcade")
    await expect_text(app_card(page, soup), "Alphabet Soup")

    await page.get_by_label("Search partners").fill(str(soup.partner.id))
    await expect_text(page.locator(".view-queue .summary"), "1 pending matching")
    await expect_text(page.locator("li.application"), "Alphabet Soup")

    await page.get_by_label("Search partners").fill("nobody here")
    await expect_text(page.locator(".view-queue .summary"), "No pending application matches “nobody here”.")

    # The search is kept when the reviewer comes back to the queue.
    await page.get_by_label("Search partners").fill("beta")
    await expect_text(page.locator(".view-queue .summary"), "1 pending matching “beta”")
    await page.get_by_role("link", name="Partners").click()
    await page.get_by_role("link", name="Queue").click()
    await expect_text(page.locator(".view-queue .summary"), "1 pending matching “beta”")
    assert await page.get_by_label("Search partners").input_value() == "beta"


async def test_paging_keeps_its_place_when_coming_back(site, page):
    for i in range(30):
        await site.submit(name=f"Queued {i:02d}")
    await sign_in(page, site)
    await page.get_by_role("button", name="Load more applications").click()
    await expect_text(page.locator(".view-queue .summary"), "30 pending.")
    await page.get_by_role("link", name="Partners").click()
    await page.get_by_role("link", name="Queue").click()
    await expect_text(page.locator(".view-queue .summary"), "30 pending.")  # all 30 shown again, not 25
    await expect_text(page.locator("li.application").nth(29), "Queued 29")


async def test_newest_first_order(site, page):
    await site.submit(name="First In")
    await site.submit(name="Second In")
    await sign_in(page, site)
    await expect_text(page.locator("li.application").nth(0), "First In")
    await page.get_by_label("Order").select_option("NEWEST_FIRST")
    await expect_text(page.locator("li.application").nth(0), "Second In")
    await expect_text(page.locator("li.application").nth(1), "First In")


async def test_a_spam_wave_of_200_is_denied_and_blacklisted_in_bulk(site, page):
    apps = [await site.submit(name=f"Spam {i:03d}") for i in range(200)]
    keeper = await site.submit(name="Real Partner")
    await sign_in(page, site)
    await expect_text(page.locator(".view-queue .summary"), "201 pending")
    await load_everything(page)
    assert await page.locator("li.application").count() == 201

    await page.get_by_label("Search partners").fill("spam")
    await expect_text(page.locator(".view-queue .summary"), "200 pending matching “spam”")
    await page.get_by_role("button", name="Select all 200 pending matching").click()
    await expect_text(page.locator(".bulk-bar"), "200 selected")
    await page.get_by_label("Reason for denials").fill("spam wave")
    await page.get_by_role("button", name="Deny + blacklist selected").click()

    await expect_text(page.locator(".bulk-result"), "200 denied and blacklisted.", timeout=60000)
    await expect_text(app_card(page, apps[0]), "Denied by you. The server is now blacklisted. Reason: spam wave.")
    await expect_text(page.locator("#limits"), "1 / 250 pending")
    ledger = await site.container.writer.load(apps[0].guild_id)
    assert set(ledger.pending) == {keeper.id} and len(ledger.blacklisted) == 200
    await screenshot(page, "queue-bulk-deny")


async def test_bulk_approval_shows_each_refusal_on_its_card(site, page):
    await site.container.guild_settings.update(
        apps_guild := (await site.submit(name="One")).guild_id, {"max_active": 2}
    )
    await site.submit(name="Two")
    third = await site.submit(name="Three")
    await sign_in(page, site)
    await app_card(page, third).wait_for()  # staff select what they see: the cards first
    await page.get_by_label("Select all shown").check()
    await page.get_by_role("button", name="Approve selected").click()
    await expect_text(page.locator(".bulk-result"), "2 approved; 1 refused")
    await expect_text(app_card(page, third), "active")  # the cap's message, on the card it refused
    assert len((await site.container.writer.load(apps_guild)).active) == 2


async def test_a_live_arrival_past_the_loaded_pages_is_counted_with_a_notice_and_the_title(site, page):
    for i in range(30):
        await site.submit(name=f"Waiting {i:02d}")
    await sign_in(page, site)
    await live_on(page)
    await expect_text(page.locator(".view-queue .summary"), "30 pending; showing 25, oldest first")
    await title_starts(page, "(30 pending)")

    await site.submit(name="Late Comer")
    notice = page.locator(".callout.arrival")
    await expect_text(notice, "New application from Late Comer: it is at the end of the queue")
    await expect_text(page.locator(".view-queue .summary"), "31 pending")
    await title_starts(page, "(31 pending)")
    assert await page.locator("li.application", has_text="Late Comer").count() == 0

    # Newest first, the next arrival belongs at the top, and goes there.
    await page.get_by_label("Order").select_option("NEWEST_FIRST")
    await expect_text(page.locator("li.application").nth(0), "Late Comer")
    await site.submit(name="Newest One")
    await expect_text(notice, "New application from Newest One: shown at the top of the list.")
    await expect_text(page.locator("li.application").nth(0), "Newest One")
    await expect_text(page.locator("li.application").nth(0), "New")
    await title_starts(page, "(32 pending)")


async def test_a_live_arrival_in_a_short_queue_goes_to_the_bottom_with_a_notice(site, page):
    await site.submit(name="Already Here")
    await sign_in(page, site)
    await live_on(page)
    await expect_text(page.locator(".view-queue .summary"), "1 pending")  # the first page is in
    await site.submit(name="Just Arrived")
    await expect_text(
        page.locator(".callout.arrival"), "New application from Just Arrived: shown at the bottom of the list."
    )
    await expect_text(page.locator("li.application").nth(1), "Just Arrived")
    await page.get_by_role("button", name="Show it").click()
    assert await page.evaluate("document.activeElement.textContent.includes('Just Arrived')")


async def test_keyboard_review_one_at_a_time(site, page):
    first = await site.submit(name="Keyboard One")
    second = await site.submit(name="Keyboard Two")
    await sign_in(page, site)
    await expect_text(app_card(page, second), "Keyboard Two")
    await page.locator("#queue-title").click()
    await page.keyboard.press("j")
    await page.keyboard.press("a")
    await expect_text(app_card(page, first), "Approved by you.")
    await page.keyboard.press("j")
    await page.keyboard.press("d")
    card = app_card(page, second)
    await card.get_by_label("Reason").fill("not a fit")
    await card.get_by_role("button", name="Deny application").click()
    await expect_text(card, "Denied by you. Reason: not a fit.")


async def test_search_and_bulk_decisions_at_phone_width(site, page):
    await page.set_viewport_size(PHONE)
    for name in ("Phone Alpha", "Phone Beta", "Other Gamma"):
        await site.submit(name=name)
    await sign_in(page, site)
    await page.get_by_label("Search partners").fill("phone")
    await expect_text(page.locator(".view-queue .summary"), "2 pending matching “phone”")
    await page.get_by_label("Select all shown").check()
    await page.get_by_role("button", name="Deny selected", exact=True).click()
    await expect_text(page.locator(".bulk-result"), "2 denied.")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing overflows sideways
    await screenshot(page, "queue-phone-bulk")
