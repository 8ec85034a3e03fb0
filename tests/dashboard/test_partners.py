"""Partners in a real browser: placement, problems, bump timing, joins chart, end, the audit log."""

from __future__ import annotations

import pytest

from api.services.partnerships import ManualPartner
from api.worker import EventWorker
from tests.api.factories import GUILD, completed, joined, left

from .conftest import EDITOR, expect_text, partner_card, screenshot, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def seed_partners(site):
    """Three partners as the bot would leave them: posted and tracked with joins, one whose post
    failed, and one ended."""
    container = site.container
    worker = EventWorker(container)
    made = []
    for index, (name, members) in enumerate(
        [("Anime Archive", 48200), ("Plant Parents", 2890), ("Retro Consoles", 5610)]
    ):
        manual = ManualPartner.parse(
            guild_id=GUILD, partner_guild_id=str(1250000000000000000 + index * 4194304), partner_name=name,
             invite_code=name.lower().replace(" ", ""), representative_id=str(1300000000000000100 + index),
             advertisement=f"{name}: come say hi!", member_count=members
        )  # fmt: skip
        made.append(await container.partnerships.create_manual(manual, actor=EDITOR))
    anime, plants, retro = made
    refs = {"partnership_id": anime.id}
    await worker.handle(completed(GUILD, "showcase.post", refs=refs, result={"channel_id": str(GUILD + 1), "message_id": "1400000000000000001"}))  # fmt: skip
    await worker.handle(completed(GUILD, "invite.create", refs=refs, result={"code": "animeTrk"}))
    await worker.handle(
        completed(GUILD, "invite.create", refs={"partnership_id": plants.id}, result={"code": "plantTrk"})
    )
    for user in range(7):
        await worker.handle(joined(GUILD, "animeTrk", user_id=1600000000000000000 + user))
    await worker.handle(left(GUILD, 1600000000000000000))
    for user in range(3):
        await worker.handle(joined(GUILD, "plantTrk", user_id=1600000000000000100 + user))
    await worker.handle(
        completed(GUILD, "showcase.post", ok=False, refs={"partnership_id": plants.id}, error_code="MISSING_PERMISSIONS",
                  error="The bot cannot send messages in the showcase channel.")
    )  # fmt: skip
    await container.partnerships.end(retro, "They closed their server", actor=EDITOR)
    from datetime import UTC, datetime

    await container.warnings.set_guild_warning(
        GUILD, "MISSING_MANAGE_GUILD", "The bot lacks Manage Server: joins cannot be attributed.", datetime.now(UTC)
    )
    return anime, plants, retro


async def test_partners_show_placement_problems_bumps_and_a_joins_chart(site, page):
    anime, plants, retro = await seed_partners(site)
    await sign_in(page, site)
    await page.get_by_role("link", name="Partners").click()
    view = page.locator(".view-partners")

    anime_card = partner_card(view, anime)
    await expect_text(anime_card, "Posted in channel 1100000000000000001, message 1400000000000000001")
    await expect_text(anime_card, "animeTrk")
    await expect_text(anime_card, "7 joined · 6 still in the server")
    await expect_text(anime_card, "Next bump")
    await expect_text(anime_card, "Showcases us")
    await expect_text(anime_card, "Unknown: they do not run this bot")  # Partnership.reciprocity in words
    plants_card = partner_card(view, plants)
    await expect_text(plants_card, "Failed: The bot cannot send messages in the showcase channel.")
    await expect_text(plants_card, "MISSING_PERMISSIONS")
    await expect_text(partner_card(view, retro), "They closed their server")
    await expect_text(view.get_by_role("heading", name="Active partnerships"), "2 / 100 active")
    await expect_text(page.locator("#warnings"), "The bot lacks Manage Server")

    chart = view.locator("svg.chart")
    await expect_text(chart.locator("desc"), "Anime Archive: 7 joined, 6 stayed.")
    assert await chart.locator("rect.chart-joined").count() == 2
    widths = [float(await r.get_attribute("width")) for r in await chart.locator("rect.chart-joined").all()]
    assert widths[0] > widths[1] > 0  # most joins first, bars to scale
    await screenshot(page, "partners")

    # Bump too soon: the API's userError shows on the card.
    await anime_card.get_by_role("button", name="Bump").click()
    await expect_text(anime_card.get_by_role("alert"), "bump")

    # End with a reason: the card moves to the ended list.
    await plants_card.get_by_role("button", name="End…").click()
    await plants_card.get_by_label("Reason").fill("Inactive for months")
    await plants_card.get_by_role("button", name="End partnership").click()
    ended = partner_card(view, plants)
    await expect_text(ended.locator(".badge"), "Ended")
    await expect_text(ended, "Inactive for months")
    await expect_text(page.locator("#limits"), "1 / 100 active")

    # The audit log (editors) has it all, newest first.
    await page.get_by_role("link", name="Audit log").click()
    audit = page.locator(".view-audit")
    await expect_text(audit.locator(".audit-entry").first, "partnership.end")
    await expect_text(audit.locator(".audit-entry").first, "Inactive for months")
    await audit.locator(".audit-entry summary").first.click()  # open its before/after for the screenshot
    await expect_text(audit.locator(".audit-entry").first.locator("table"), "ENDED")
    await screenshot(page, "audit")


async def test_phone_sized_screen(site, chromium):
    await seed_partners(site)
    await site.submit(name="A server with a rather long name for a small screen", members=1520)
    context = await chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = await context.new_page()
        await sign_in(page, site)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
        await screenshot(page, "phone-queue")
        await page.get_by_role("link", name="Partners").click()
        await page.locator("svg.chart").wait_for()
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await screenshot(page, "phone-partners")
    finally:
        await context.close()


async def test_a_proposed_ad_is_a_pending_change_staff_approve_or_deny(site, page):
    from bus import Envelope

    container = site.container
    worker = EventWorker(container)
    rep = 1300000000000000200
    manual = ManualPartner.parse(guild_id=GUILD, partner_guild_id="1250000000000000777", partner_name="Board Games",
                                 invite_code="boardgames", representative_id=str(rep), advertisement="Old ad")  # fmt: skip
    partnership = await container.partnerships.create_manual(manual, actor=EDITOR)

    def propose(advertisement: str) -> Envelope:
        reply = {"application_id": "1000000000000000001", "token": advertisement[:8]}
        data = {"user_id": str(rep), "reply": reply, "advertisement": advertisement}
        return Envelope.new("representative.ad", GUILD, data)

    await worker.handle(propose("Game nights every Friday"))
    await sign_in(page, site)
    await page.get_by_role("link", name="Partners").click()
    card = partner_card(page.locator(".view-partners"), partnership)
    await expect_text(card.locator(".proposed-ad"), "Game nights every Friday")

    await card.get_by_label("Reason if denied").fill("Please keep the server name in it")
    await card.get_by_role("button", name="Deny new ad").click()
    await card.locator(".proposed-ad").wait_for(state="detached")
    await expect_text(card, "Old ad")
    stored = await container.partnership_repo.get(partnership.id)
    assert (stored.advertisement, stored.proposed_ad) == ("Old ad", None)

    await worker.handle(propose("Board Games: game nights every Friday"))  # arrives live
    await expect_text(card.locator(".proposed-ad"), "Board Games: game nights every Friday")
    await card.get_by_role("button", name="Approve new ad").click()
    await card.locator(".proposed-ad").wait_for(state="detached")
    await expect_text(card.locator(".user-block"), "Board Games: game nights every Friday")
    assert (
        await container.partnership_repo.get(partnership.id)
    ).advertisement == "Board Games: game nights every Friday"
