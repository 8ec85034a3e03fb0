"""Names, not numbers, in a real browser: servers, users and representatives by name with the id on
hover; settings pickers of the server's channels and roles; the audit log's names, filters and CSV."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest
from playwright.async_api import expect

from bus import Envelope
from tests.api.factories import GUILD, submitted

from .conftest import EDITOR, expect_text, screenshot, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

CATEGORY, SHOWCASE, NEWS, FORUM, VOICE, CHAT = (str(GUILD + n) for n in (101, 102, 103, 104, 105, 106))
PARTNER_ROLE, BOT_ROLE, MOD_ROLE = (str(GUILD + n) for n in (201, 202, 203))
PHONE = {"width": 390, "height": 844}


async def report_directory(site, *, revision: int = 1, showcase_name: str = "showcase") -> None:
    """What a cluster node reports for the guild (guild.directory), through the API's handler."""
    channels = [
        {"id": CATEGORY, "name": "Partners", "type": "CATEGORY", "parent_id": None, "position": 1},
        {"id": SHOWCASE, "name": showcase_name, "type": "TEXT", "parent_id": CATEGORY, "position": 0},
        {"id": NEWS, "name": "news", "type": "ANNOUNCEMENT", "parent_id": None, "position": 0},
        {"id": FORUM, "name": "partner-forum", "type": "FORUM", "parent_id": CATEGORY, "position": 1},
        {"id": VOICE, "name": "Lounge", "type": "OTHER", "parent_id": None, "position": 2},
        {"id": CHAT, "name": "chat", "type": "TEXT", "parent_id": None, "position": 3},
    ]
    roles = [
        {"id": BOT_ROLE, "name": "Partner Bot", "color": 0, "position": 3, "managed": True},
        {"id": MOD_ROLE, "name": "Moderators", "color": 0xE67E22, "position": 2, "managed": False},
        {"id": PARTNER_ROLE, "name": "Partner", "color": 0x3498DB, "position": 1, "managed": False},
    ]
    body = {"revision": revision, "name": "Cozy Home", "icon_url": None, "channels": channels, "roles": roles}
    await site.container.directory.guild_directory(Envelope.new("guild.directory", GUILD, body))


async def options_of(page, label: str) -> list[str]:
    return await page.get_by_label(label, exact=True).locator("option").all_text_contents()


async def open_settings(page, site) -> None:
    await sign_in(page, site)
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("heading", name="Settings", level=1).wait_for()
    await expect(page.get_by_label("Max active partnerships")).to_have_value("0")  # loaded


async def test_pickers_show_names_of_the_fitting_type_and_flag_a_deleted_channel(site, page):
    await report_directory(site)
    # The site's settings name showcase channel GUILD + 1, which the server does not have (deleted).
    await open_settings(page, site)

    showcase = page.get_by_label("Showcase channel", exact=True)
    assert await options_of(page, "Showcase channel") == [
        "— no channel —",
        "#news",
        "#chat",
        "#showcase (Partners)",
        f"⚠ deleted channel ({GUILD + 1})",
    ]  # text and announcement channels only (no category, forum or voice), in Discord's order
    await expect(showcase).to_have_value(str(GUILD + 1))
    await expect_text(page.locator("#setting-showcaseChannelId-missing"), "no longer exists")
    assert await showcase.locator("option", has_text="#showcase").get_attribute("title") == f"channel id {SHOWCASE}"
    # Only the fields of the selected modes: single channel, slash applications.
    await expect(page.get_by_label("Showcase forum", exact=True)).to_be_hidden()
    await expect(page.get_by_label("Showcase category", exact=True)).to_be_hidden()
    await expect(page.get_by_label("Ticket channel", exact=True)).to_be_hidden()
    await screenshot(page, "settings-pickers")

    await page.get_by_label("Channel mode").select_option("FORUM_PER_PARTNER")
    await expect(showcase).to_be_hidden()
    assert await options_of(page, "Showcase forum") == ["— no channel —", "#partner-forum (Partners)"]
    await page.get_by_label("Channel mode").select_option("CHANNEL_PER_PARTNER")
    assert await options_of(page, "Showcase category") == ["— no channel —", "Partners"]
    await page.get_by_label("Application mode").select_option("TICKET")
    assert await options_of(page, "Ticket channel") == ["— no channel —", "#chat", "#showcase (Partners)"]

    # Roles: highest first; the contact role offers only roles the bot can grant (no managed role).
    assert await options_of(page, "Manager roles") == ["@Partner Bot", "@Moderators", "@Partner"]
    assert await options_of(page, "Partner contact role") == ["— no role —", "@Moderators", "@Partner"]

    await page.get_by_label("Showcase category", exact=True).select_option(CATEGORY)
    await page.get_by_label("Ticket channel", exact=True).select_option(CHAT)
    await page.get_by_label("Manager roles", exact=True).select_option([MOD_ROLE, PARTNER_ROLE])
    await page.get_by_label("Partner contact role", exact=True).select_option(PARTNER_ROLE)
    await page.get_by_role("button", name="Save changes").click()
    await expect_text(page.locator(".view-settings"), "Saved.")

    settings = await site.container.guild_settings.get(GUILD)
    assert settings.channel_mode.value == "CHANNEL_PER_PARTNER" and settings.showcase_category_id == int(CATEGORY)
    assert settings.ticket_channel_id == int(CHAT) and settings.partner_contact_role_id == int(PARTNER_ROLE)
    assert sorted(settings.manager_role_ids) == sorted([int(MOD_ROLE), int(PARTNER_ROLE)])
    await expect(page.get_by_label("Manager roles", exact=True)).to_have_values([MOD_ROLE, PARTNER_ROLE])

    await page.set_viewport_size(PHONE)
    await screenshot(page, "settings-pickers-phone")


async def test_a_renamed_channel_reaches_the_picker_and_an_older_report_does_not_undo_it(site, page):
    await report_directory(site, revision=5)
    await report_directory(site, revision=9, showcase_name="partner-ads")
    await report_directory(site, revision=7, showcase_name="stale-name")  # late, from before the rename
    await open_settings(page, site)

    options = await options_of(page, "Showcase channel")
    assert "#partner-ads (Partners)" in options and not any("stale-name" in o for o in options)


async def test_without_a_directory_the_settings_keep_id_inputs(site, page):
    await open_settings(page, site)  # the bot never reported the server's channels

    await expect(page.get_by_label("Showcase channel id")).to_have_value(str(GUILD + 1))
    assert await page.get_by_label("Manager role ids").evaluate("e => e.tagName") == "INPUT"


async def test_servers_users_and_representatives_are_named_with_ids_on_hover(site, page):
    await report_directory(site)
    env = submitted(GUILD, representative_id=1300000000000000555, name="Speedrun Central")
    named = {**env.data, "representative_name": "Rita Runner", "representative_avatar_url": None}
    # As the worker handles it: the representative's name is kept, then the application is submitted.
    handle = site.container.directory.remembering_representative(site.container.applications.submit)
    await handle(Envelope.new("application.submitted", GUILD, named, version=2))
    await sign_in(page, site)

    who = page.locator("#who")
    await expect_text(who, f"Signed in as user{EDITOR}")  # the name Discord gave the login
    assert await who.get_attribute("title") == f"user id {EDITOR}"
    picker = page.locator("#guild-picker option").first
    assert await picker.text_content() == "Cozy Home" and await picker.get_attribute("title") == f"server id {GUILD}"
    assert "Cozy Home" in await page.title()

    card = page.locator("li.application").first
    await expect_text(card, "Rita Runner")
    name = card.locator(".named .name", has_text="Rita Runner")
    assert await name.get_attribute("title") == "user id 1300000000000000555"
    copy = card.get_by_role("button", name="Copy the user id of Rita Runner")
    await expect(copy).to_be_visible()
    await screenshot(page, "names-queue")
    await page.set_viewport_size(PHONE)
    await expect_text(card, "Rita Runner")
    await screenshot(page, "names-queue-phone")


async def test_audit_log_names_actors_and_servers_filters_and_exports_csv(site, page):
    await report_directory(site)
    await sign_in(page, site)  # the editor's name is known from now on
    other_staff = 1300000000000000999
    app = await site.submit(name="Speedrun Central")
    await site.container.applications.approve(app, actor=EDITOR)
    spam = await site.submit(name="Spam Palace")
    await site.container.applications.deny(spam, other_staff, "spam", blacklist=True)
    await site.container.guild_settings.update(GUILD, {"showcase_channel_id": int(SHOWCASE)}, actor=EDITOR)

    await page.get_by_role("link", name="Audit log").click()
    audit = page.locator(".view-audit")
    entries = audit.locator(".audit-entry")
    await expect_text(entries.first, "Settings changed")
    # Changes in words, channel ids by name: the old one is gone from the server, the new one is not.
    await expect_text(entries.first, f"Showcase channel: {GUILD + 1} → #showcase ({SHOWCASE})")
    approved = entries.filter(has_text="Application approved")
    await expect_text(approved, f"by user{EDITOR}")
    await expect_text(approved, "Speedrun Central")
    await expect_text(approved, "Status: pending → approved")
    denied = entries.filter(has_text="Application denied")
    await expect_text(denied, f"by {other_staff}")  # never signed in: the id, in full
    assert await denied.locator(".named .name", has_text="Spam Palace").get_attribute("title") == (
        f"server id {spam.partner.id}"
    )
    total = await entries.count()
    await screenshot(page, "audit-names")

    await page.get_by_label("Action", exact=True).select_option("application.approve")
    await expect(entries).to_have_count(1)
    await page.get_by_label("Action", exact=True).select_option("")
    await page.get_by_label("Actor", exact=True).select_option(str(other_staff))
    await expect(entries).to_have_count(1)
    await expect_text(entries.first, "Application denied")
    await page.get_by_label("Actor", exact=True).select_option("")
    await page.get_by_label("Partner server", exact=True).select_option(str(app.partner.id))
    await expect(entries).to_have_count(1)
    await expect_text(entries.first, "Speedrun Central")
    await expect_text(audit.locator(".summary"), f"1 of the {total} entries loaded match")

    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Export CSV").click()
    download = await download_info.value
    assert download.suggested_filename == f"audit-log-{GUILD}.csv"
    text = await asyncio.to_thread(Path(await download.path()).read_text, encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1  # what the filters show
    assert rows[0]["action"] == "application.approve" and rows[0]["actor_name"] == f"user{EDITOR}"
    assert rows[0]["server_name"] == "Speedrun Central" and rows[0]["server_id"] == str(app.partner.id)
    assert rows[0]["changes"].startswith("Status: pending → approved")

    await page.get_by_label("Partner server", exact=True).select_option("")
    await page.set_viewport_size(PHONE)
    await expect(entries).to_have_count(total)
    await screenshot(page, "audit-names-phone")


async def test_the_blacklist_names_who_added_a_server(site, page):
    await sign_in(page, site)  # the editor's name is known from now on
    await site.container.blacklist.add(GUILD, 1234500000000000097, "scam links", actor=EDITOR)
    await site.container.blacklist.add(GUILD, 1234500000000000098, "spam", actor=1300000000000000999)

    await page.get_by_role("link", name="Blacklist").click()
    named_row = page.locator('tr[data-id="1234500000000000097"]')
    await expect_text(named_row, f"user{EDITOR}")
    assert await named_row.locator(".named .name").get_attribute("title") == f"user id {EDITOR}"
    await expect_text(page.locator('tr[data-id="1234500000000000098"]'), "1300000000000000999")  # never signed in
