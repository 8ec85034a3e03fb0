"""Nothing the bot posts in the intake flows pings anyone, whatever the applicant or the api wrote."""

from __future__ import annotations

from typing import Any

from cluster.bus_link import LocalBus
from tests.fakediscord import FakeDiscord, eventually

from .conftest import PANEL_BUTTON, PARTNER_CODE, Home, command, configure, final_answer, open_form


def bodies_with_content(fake: FakeDiscord) -> list[dict[str, Any]]:
    """Every message body the bot sent (channel posts, interaction callbacks, webhook sends and edits)."""
    out = []
    for call in fake.calls:
        body = call.json if isinstance(call.json, dict) else {}
        if "/callback" in call.route:
            body = body.get("data") or {}
        if body.get("content"):
            out.append(body)
    return out


async def test_every_message_of_every_flow_pings_nobody(fake_discord: FakeDiscord, start_node, home: Home) -> None:
    w = fake_discord.world
    role = w.add_role(home.guild, "everyone-role", mentionable=True)
    loud = f"@everyone @here <@&{role.id}> <@{home.staff}>"
    home.partner.name = f"{loud} server"
    bus = LocalBus()
    bot = await start_node(bus=bus)

    # the form, and the api's follow-up
    it = await open_form(fake_discord, home)
    submit = await fake_discord.modal_submit(it, {"invite": PARTNER_CODE, "advertisement": f"Join! {loud}"})
    assert loud in await final_answer(fake_discord, submit, "Checking")
    # published right after that answer is sent, so it may arrive a moment after the answer shows
    (event,) = await eventually(lambda: bus.events("application.submitted"))
    assert event.data["advertisement"] == f"Join! {loud}" and event.data["partner"]["name"] == f"{loud} server"
    reply = event.data["reply"]
    await command(bus, bot, home.guild, "interaction.followup", {**reply, "content": f"Queued {loud}"})
    assert submit.followup_ids

    # the panel, a ticket and its closing
    await command(bus, bot, home.guild, "panel.post", {"channel_id": str(home.general.id)})
    (panel,) = w.messages_in(home.general)
    await configure(bus, bot, home.guild, application_mode="TICKET", ticket_channel_id=str(home.tickets.id))
    click = await fake_discord.button_click(panel, PANEL_BUTTON, user=home.rep)
    await final_answer(fake_discord, click, "Your application ticket is open")
    (thread,) = w.threads_of(home.guild)
    await command(bus, bot, home.guild, "ticket.close", {"thread_id": str(thread.id), "content": f"Denied {loud}"})

    # a DM application and a usage answer
    user = w.add_user("applicant")
    await configure(bus, bot, home.guild, application_mode="SLASH")
    await fake_discord.dm_message(user, f"$partnership {PARTNER_CODE} {home.guild.id} {loud}")
    await eventually(lambda: len(w.dms_to(user)) == 1)
    await fake_discord.dm_message(user, f"$partnership {loud}")
    await eventually(lambda: len(w.dms_to(user)) == 2)

    sent = [m for m in w.messages.values() if m.author_id == w.bot.id and m.content]
    assert len(sent) >= 8
    assert sum(loud in m.content for m in sent) == 4  # form ack, follow-up, ticket close, DM ack
    for m in sent:
        assert m.pings_nobody, (m.content, m.allowed_mentions)
    bodies = bodies_with_content(fake_discord)
    assert len(bodies) >= len(sent)
    for body in bodies:
        assert body["allowed_mentions"] == {"parse": []}, body
