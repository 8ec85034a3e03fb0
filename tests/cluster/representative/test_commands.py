"""/ppartner status, withdraw and bump on the node: each defers an ephemeral answer and hands the request
to the api (which answers with interaction.followup: tests/integration/test_representative_discord.py)."""

from __future__ import annotations

import asyncio

from cluster.bus_link import LocalBus
from tests.cluster.intake.conftest import build_home
from tests.fakediscord import FakeDiscord, eventually


async def test_each_command_publishes_the_members_request(fake_discord: FakeDiscord, start_node) -> None:
    home = build_home(fake_discord)
    bus = LocalBus()
    await start_node(bus=bus)
    partner = str(home.partner.id)

    for what, options in (("status", {}), ("withdraw", {"partner": partner}), ("bump", {"partner": f" {partner} "})):
        it = await fake_discord.slash_command("ppartner", subcommand=what, user=home.rep, guild=home.guild,
                                              options=options)  # fmt: skip
        ack = await it.wait_response()
        assert ack["type"] == 5 and ack["data"]["flags"] == 64
        (event,) = await eventually(lambda what=what: bus.events(f"representative.{what}"))
        assert event.guild_id == str(home.guild.id)
        assert event.data == {
            "user_id": str(home.rep),
            "reply": {"application_id": str(fake_discord.world.application_id), "token": it.token},
            "partner_id": partner if options else None,
        }


async def test_a_partner_that_is_not_a_server_id_is_refused_at_once(fake_discord: FakeDiscord, start_node) -> None:
    home = build_home(fake_discord)
    bus = LocalBus()
    await start_node(bus=bus)

    it = await fake_discord.slash_command("ppartner", subcommand="withdraw", user=home.rep, guild=home.guild,
                                          options={"partner": "Partner Place"})  # fmt: skip
    response = await it.wait_response()
    assert response["type"] == 4 and response["data"]["flags"] == 64
    assert response["data"]["content"].startswith("`partner` is a partner server's id")
    await asyncio.sleep(0.1)
    assert [e for e in bus.published if e.type.startswith("representative.")] == []
