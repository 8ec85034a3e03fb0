"""Partners at a glance: edit a partner, sort by joins or retention, search, joins per day (server
and partner), the CSV export; at desktop and phone width."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from .conftest import expect_text, partner_card, screenshot, sign_in
from .test_partners import seed_partners

pytestmark = pytest.mark.asyncio(loop_scope="session")

PHONE = {"width": 390, "height": 844}


async def open_partners(page, site):
    await sign_in(page, site)
    await page.get_by_role("link", name="Partners").click()
    return page.locator(".view-partners")


async def edit_a_partner(site, page, fields: dict[str, str]):
    """Staff edit a seeded partner in place: fill each labelled field and save. The view, the partner, its card."""
    anime, _, _ = await seed_partners(site)
    view = await open_partners(page, site)
    card = partner_card(view, anime)
    await card.get_by_role("button", name="Edit…").click()
    for label, text in fields.items():
        await card.get_by_label(label).fill(text)
    await card.get_by_role("button", name="Save changes").click()
    return view, anime, card


async def test_edit_a_partner_in_place(site, page):
    fields = {
        "Partner server name": "Anime Archive Reborn",
        "Their advertisement": "Anime Archive Reborn: now with watch parties!",
    }
    view, anime, _ = await edit_a_partner(site, page, fields)
    await expect_text(partner_card(view, anime), "Anime Archive Reborn")
    await expect_text(partner_card(view, anime), "now with watch parties!")
    stored = await site.container.partnership_repo.get(anime.id)
    assert stored.partner.name == "Anime Archive Reborn"
    assert stored.advertisement == "Anime Archive Reborn: now with watch parties!"
    assert stored.partner.invite_code == anime.partner.invite_code  # untouched fields stay


async def test_an_edit_refused_by_the_rules_says_why_and_changes_nothing(site, page):
    _, anime, card = await edit_a_partner(site, page, {"Representative's user id": "not-an-id"})
    await playwright_expect_count(card.locator("[role=alert]").filter(has_text=re.compile(r"\S")), 1)
    stored = await site.container.partnership_repo.get(anime.id)
    assert stored.representative_id == anime.representative_id


async def test_sort_by_retention_or_joins_search_and_export(site, page):
    await seed_partners(site)
    view = await open_partners(page, site)
    active = view.locator("li.partnership:not(.decided)")
    await expect_text(active.nth(0), "Anime Archive")

    await view.get_by_label("Sort by").select_option("retention")  # plants kept 3 of 3, anime 6 of 7
    await expect_text(active.nth(0), "Plant Parents")
    await expect_text(active.nth(1), "Anime Archive")
    await view.get_by_label("Sort by").select_option("joins")  # anime 7, plants 3
    await expect_text(active.nth(0), "Anime Archive")

    await view.get_by_label("Search partners").fill("plant")
    await expect_text(view.locator("#active-title"), "Active partnerships")
    await expect_text(active.nth(0), "Plant Parents")
    await playwright_expect_count(active, 1)

    async with page.expect_download() as info:
        await view.get_by_role("button", name="Export CSV").click()
    download = await info.value
    text = await asyncio.to_thread(Path(await download.path()).read_text, encoding="utf-8")
    assert "Anime Archive" in text and "Plant Parents" in text
    assert download.suggested_filename.endswith(".csv")


async def playwright_expect_count(locator, count: int) -> None:
    from playwright.async_api import expect

    await expect(locator).to_have_count(count)


async def test_joins_per_day_for_the_server_and_for_a_partner(site, page):
    anime, _, _ = await seed_partners(site)
    view = await open_partners(page, site)
    # Server: 7 through anime and 3 through plants today, one of anime's left.
    await expect_text(view.locator(".daily-box"), "10 joined · 1 left")
    card = partner_card(view, anime)
    await card.get_by_text("Joins per day").click()
    await expect_text(card.locator(".partner-series"), "7 joined · 1 left")
    today = card.locator(".partner-series .chart-day").last
    assert await today.get_attribute("data-joins") == "7"
    await screenshot(page, "partners-joins-per-day")


async def test_partner_tools_at_phone_width(site, page):
    await page.set_viewport_size(PHONE)
    anime, _, _ = await seed_partners(site)
    view = await open_partners(page, site)
    await expect_text(view.locator(".daily-box"), "10 joined")
    card = partner_card(view, anime)
    await card.get_by_role("button", name="Edit…").click()
    await card.get_by_label("Partner server name").fill("Anime Pocket")
    await card.get_by_role("button", name="Save changes").click()
    await expect_text(partner_card(view, anime), "Anime Pocket")
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await screenshot(page, "partners-phone")
