"""A change accepted while the broker is away: the client gets its answer, the owed commands wait in the
guild's journal, and they are sent in order once the broker is back (nothing acknowledged is lost)."""

from __future__ import annotations

import asyncio

from api.services.partnerships import ManualPartner
from tests.api.factories import GUILD


async def test_commands_of_a_change_made_during_an_outage_are_sent_in_order_afterwards(container, commands):
    await container.guild_settings.update(GUILD, {"showcase_channel_id": 5, "partner_contact_role_id": 6})
    await asyncio.sleep(0.05)
    sent_before = len(commands.seen)
    real = container.bus.publish_command

    async def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    container.bus.publish_command = broker_down
    partnership = await container.partnerships.create_manual(
        ManualPartner.parse(guild_id=GUILD, partner_guild_id="1234500000000000000", partner_name="Chess",
                             invite_code="chess", representative_id="7", advertisement="ad"),
        actor=1,
    )  # fmt: skip
    assert partnership is not None and partnership.status.value == "ACTIVE"  # the change itself is stored
    _, todo = await container.ledgers.load(GUILD)
    owed = [item["envelope"]["type"] for item in todo if item["op"] == "command"]
    assert owed == ["showcase.post", "invite.create", "role.grant", "partner.check"]
    assert len(commands.seen) == sent_before

    assert await container.writer.finish_guild(GUILD) == 4  # still down: all kept
    container.bus.publish_command = real
    assert await container.writer.finish_guild(GUILD) == 0  # the relay's pass once the broker is back
    _, todo = await container.ledgers.load(GUILD)
    assert todo == []
    await commands.wait_for("partner.check")
    assert [c.type for c in commands.seen[sent_before:]] == [
        "showcase.post",
        "invite.create",
        "role.grant",
        "partner.check",
    ]
