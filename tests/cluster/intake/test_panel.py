"""The application panel: posted by staff (/ppartner panel) or by the api (panel.post); its button
works like /ppartner apply (source PANEL), also after the node restarts."""

from __future__ import annotations

from cluster.bus_link import LocalBus
from tests.fakediscord import FakeDiscord

from .conftest import PANEL_BUTTON, PARTNER_CODE, Home, command, configure, final_answer


async def test_panels_posted_both_ways_keep_working_after_a_restart(
    fake_discord: FakeDiscord, start_node, home: Home
) -> None:
    w = fake_discord.world
    showcase = w.add_channel(home.guild, "apply-here")
    first = await start_node(bus=(first_bus := LocalBus()))
    await first.tree.sync()
    assert [c["name"] for c in w.commands_global] == ["ppartner"]

    # staff only
    denied = await fake_discord.slash_command(
        "ppartner", subcommand="panel", user=home.rep, guild=home.guild, options={"channel": showcase.id}
    )
    assert (await denied.wait_response())["data"]["content"].startswith("Only members with the Manage Server")

    it = await fake_discord.slash_command(
        "ppartner", subcommand="panel", user=home.staff, guild=home.guild, options={"channel": showcase.id}
    )
    assert await final_answer(fake_discord, it) == f"Application panel posted in <#{showcase.id}>."
    (by_slash,) = w.messages_in(showcase)

    done = await command(first_bus, first, home.guild, "panel.post", {"channel_id": str(home.general.id)})
    (by_api,) = w.messages_in(home.general)
    assert done["ok"] is True
    assert done["result"] == {"channel_id": str(home.general.id), "message_id": str(by_api.id)}
    for panel in (by_slash, by_api):
        (button,) = panel.components[0]["components"]
        assert (button["custom_id"], button["label"]) == (PANEL_BUTTON, "Apply for partnership")
        assert panel.pings_nobody

    await first.close()
    bus = LocalBus()
    await start_node(bus=bus)
    for n, panel in enumerate((by_slash, by_api), start=1):
        click = await fake_discord.button_click(panel, PANEL_BUTTON, user=home.rep)
        await click.wait_response()
        assert click.modal["custom_id"] == "partners:apply:PANEL"
        submit = await fake_discord.modal_submit(click, {"invite": PARTNER_CODE, "advertisement": f"ad {n}"})
        await final_answer(fake_discord, submit, "Checking")
        assert len(bus.events("application.submitted")) == n
    assert [e.data["source"] for e in bus.events("application.submitted")] == ["PANEL", "PANEL"]
    assert [e.data["advertisement"] for e in bus.events("application.submitted")] == ["ad 1", "ad 2"]


async def test_the_panel_follows_the_application_mode(
    fake_discord: FakeDiscord, bus: LocalBus, bot, home: Home
) -> None:
    w = fake_discord.world
    await command(bus, bot, home.guild, "panel.post", {"channel_id": str(home.general.id)})
    (panel,) = w.messages_in(home.general)

    await configure(bus, bot, home.guild, application_mode="MANUAL")
    click = await fake_discord.button_click(panel, PANEL_BUTTON, user=home.rep)
    assert (await click.wait_response())["data"]["content"] == "This server adds partners by hand; ask its staff."

    await configure(bus, bot, home.guild, application_mode="TICKET", ticket_channel_id=str(home.tickets.id))
    click = await fake_discord.button_click(panel, PANEL_BUTTON, user=home.rep)
    assert (await final_answer(fake_discord, click)).startswith("Your application ticket is open")
    (thread,) = w.threads_of(home.guild)
    assert thread.parent_id == home.tickets.id and home.rep in thread.thread_members


async def test_panel_without_permission(fake_discord: FakeDiscord, bus: LocalBus, bot, home: Home) -> None:
    w = fake_discord.world
    await bot.tree.sync()
    w.deny_bot(home.guild, "SEND_MESSAGES", channel=home.general)

    it = await fake_discord.slash_command(
        "ppartner", subcommand="panel", user=home.staff, guild=home.guild, options={"channel": home.general.id}
    )
    assert (await final_answer(fake_discord, it)).startswith(f"I cannot post in <#{home.general.id}>")
    (warning,) = bus.events("guild.warning")
    assert warning.data["code"] == "MISSING_PERMISSIONS" and "#general" in warning.data["message"]

    done = await command(bus, bot, home.guild, "panel.post", {"channel_id": str(home.general.id)})
    assert done["ok"] is False and done["error_code"] == "MISSING_PERMISSIONS"
    unknown = await command(bus, bot, home.guild, "panel.post", {"channel_id": "123456789012345678"})
    assert unknown["ok"] is False and unknown["error_code"] == "UNKNOWN_CHANNEL"
    assert w.messages_in(home.general) == []
