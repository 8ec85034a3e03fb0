"""Settings in a real browser: the page's own checks and the API's userErrors, each next to its field."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.api.factories import GUILD

from .conftest import expect_text, screenshot, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def open_settings(page, site):
    await sign_in(page, site)
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("heading", name="Settings", level=1).wait_for()
    await expect(page.get_by_label("Max active partnerships")).to_have_value("0")  # loaded


async def save(page):
    await page.get_by_role("button", name="Save changes").click()


async def test_the_page_checks_ranges_and_the_channel_a_mode_needs(site, page):
    await open_settings(page, site)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.post_data or "") if r.url.endswith("/graphql") else None)

    await page.get_by_label("Max active partnerships").fill("500")
    await page.get_by_label("Channel mode").select_option("FORUM_PER_PARTNER")
    await page.get_by_label("Manager role ids").fill("1500000000000000001, @admins")
    await save(page)

    await expect_text(page.locator("#setting-maxActive-error"), "Must be between 0 and 100.")
    await expect_text(page.locator("#setting-showcaseForumId-error"), "Forum per partner mode needs this id.")
    await expect_text(page.locator("#setting-managerRoleIds-error"), '"@admins" is not a Discord id')
    assert await page.get_by_label("Max active partnerships").get_attribute("aria-invalid") == "true"
    await expect_text(page.get_by_role("alert").filter(has_text="Not saved"), "3 settings need fixing.")
    assert not any("UpdateSettings" in body for body in sent)  # nothing was sent
    # Focus goes to the first field in error, whose description includes the message.
    assert await page.evaluate("document.activeElement.id") == "setting-showcaseForumId"
    await screenshot(page, "settings-errors")

    # Fixed: saved, and the API has it.
    await page.get_by_label("Max active partnerships").fill("40")
    await page.get_by_label("Showcase forum id").fill("1100000000000000042")
    await page.get_by_label("Manager role ids").fill("1500000000000000001")
    await save(page)
    await expect_text(page.locator(".view-settings"), "Saved.")
    settings = await site.container.guild_settings.get(GUILD)
    assert settings.max_active == 40 and settings.showcase_forum_id == 1100000000000000042
    assert settings.channel_mode.value == "FORUM_PER_PARTNER"
    await expect_text(page.locator("#limits"), "0 / 40 active")


async def test_the_apis_user_errors_show_next_to_their_fields(site, page):
    await open_settings(page, site)
    # Bypass the page's own checks: the API must refuse, and its userErrors land on the fields.
    await page.evaluate("window.partnersDashboard.skipPageValidation = true")

    await page.get_by_label("Max active partnerships").fill("500")
    await save(page)
    await expect_text(page.locator("#setting-maxActive-error"), "maxActive must be between 0 and 100.")
    assert await page.get_by_label("Max active partnerships").get_attribute("aria-invalid") == "true"

    await page.get_by_label("Max active partnerships").fill("10")
    await page.get_by_label("Application mode").select_option("TICKET")
    await save(page)
    await expect_text(page.locator("#setting-ticketChannelId-error"), "needs ticketChannelId")
    assert await page.locator("#setting-maxActive-error").is_hidden()
    settings = await site.container.guild_settings.get(GUILD)
    assert settings.max_active == 0 and settings.application_mode.value == "SLASH"  # nothing changed

    # An advertisement over 2,000 characters: refused by the API too, shown under the textarea.
    await page.get_by_label("Application mode").select_option("SLASH")
    await page.get_by_label("Your server's advertisement").fill("x" * 2001)
    await save(page)
    await expect_text(page.locator("#setting-advertisement-error"), "the limit is 2000")
    assert (await site.container.guild_settings.get(GUILD)).max_active == 0


async def test_every_setting_has_a_label_and_an_explanation(site, page):
    await open_settings(page, site)
    names = await page.eval_on_selector_all(".settings-form [data-field]", "els => els.map(e => e.dataset.field)")
    assert set(names) == {
        "applicationMode", "channelMode", "showcaseChannelId", "showcaseCategoryId", "showcaseForumId",
        "reviewChannelId", "reviewPingRoleId", "ticketChannelId", "managerRoleIds", "viewerRoleIds",
        "partnerContactRoleId", "minPartnerMemberCount", "applicationCooldownHours", "maxActive",
        "bumpIntervalDays", "trackJoins", "advertisement", "approvalFlow", "reviewStyle", "confirmHours",
        "logChannelId", "healthChecks", "healthGraceHours", "autoEndUnhealthy", "staleQueueHours",
        "mutualPartnerships", "fakeJoinSeconds", "minAccountAgeDays",
    }  # fmt: skip
    for name in names:
        described = await page.get_attribute(f"#setting-{name}", "aria-describedby")
        help_text = await page.text_content(f"#setting-{name}-help")
        assert f"setting-{name}-help" in described and help_text and len(help_text) > 20, name
    await expect_text(page.locator('[data-field="minPartnerMemberCount"]'), "0 = no minimum")
    await screenshot(page, "settings")
