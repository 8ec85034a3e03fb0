"""Partnership health on the partner cards: status in words, each open problem with its grace
deadline, and when the partner was and will be checked, at desktop and phone width."""

from __future__ import annotations

import pytest

from api.services.partnerships import ManualPartner
from api.worker import EventWorker
from tests.api.factories import GUILD, completed

from .conftest import EDITOR, expect_text, partner_card, screenshot, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

PHONE = {"width": 390, "height": 844}


async def seed(site):
    """Two partners; the bot reports that one's invite no longer resolves."""
    made = []
    for index, name in enumerate(["Lo-fi Lounge", "Chess Club"]):
        manual = ManualPartner.parse(
            guild_id=GUILD, partner_guild_id=str(1250000000000000000 + index * 4194304), partner_name=name,
            invite_code=name.lower().replace(" ", "").replace("-", ""), representative_id=str(1300000000000000100 + index),
            advertisement=f"{name}: come say hi!", member_count=4000,
        )  # fmt: skip
        made.append(await site.container.partnerships.create_manual(manual, actor=EDITOR))
    lounge, chess = made
    await EventWorker(site.container).handle(
        completed(GUILD, "partner.check", refs={"partnership_id": lounge.id}, result={"resolved": False})
    )
    lounge = await site.container.partnership_repo.get(lounge.id)
    chess = await site.container.partnership_repo.get(chess.id)
    assert lounge.health.problems  # the check opened a problem
    return lounge, chess


@pytest.mark.parametrize("width", ["desktop", "phone"])
async def test_a_partner_with_an_open_problem_shows_at_risk_with_the_message_and_deadline(site, page, width):
    lounge, chess = await seed(site)
    if width == "phone":
        await page.set_viewport_size(PHONE)
    await sign_in(page, site)
    await page.get_by_role("link", name="Partners").click()

    card = partner_card(page, lounge)
    await expect_text(card.locator(".health-status"), "At risk")
    problem = lounge.health.problems[0]
    await expect_text(card, problem.message)
    # The deadline as a date in words, after "until" (the same formatting as everywhere on the page).
    shown = await page.evaluate(
        """(iso) => new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso))""",
        problem.grace_ends_at.isoformat(),
    )
    await expect_text(card, f"(until {shown})")
    await expect_text(card, "next check")

    healthy = partner_card(page, chess)
    await expect_text(healthy, "Health")
    await expect_text(healthy.locator(".health-status"), "OK")
    assert await healthy.locator(".health-problems").count() == 0
    if width == "phone":
        overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0  # nothing forces sideways scrolling on a phone
    await screenshot(page, f"partner-health-{width}")
