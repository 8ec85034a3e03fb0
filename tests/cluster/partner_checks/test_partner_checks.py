"""Partner health checks on a real discord.py node against the fake Discord: the node only reports
facts (the invite resolves, to which server, how many members), and checks wait for user-facing work.
Staff notices go to the log channel and ping nobody but the review role when asked."""

from __future__ import annotations

import asyncio
from typing import Any

from bus import Envelope
from cluster.bus_link import LocalBus
from tests.fakediscord import FakeDiscord

EXTENSIONS = ("cluster.cogs.guild_config", "cluster.cogs.partner_checks", "cluster.cogs.staff_notices")


async def setup(fake: FakeDiscord, start_node) -> tuple[Any, Any, LocalBus, Any, Any]:
    w = fake.world
    home = w.add_guild("Home", shard=0, shard_count=1)
    partner = w.add_guild("Cool Partner", bot_in_guild=False, member_count=1234)
    invite = w.add_invite(partner, code="cool")
    bus = LocalBus()
    bot = await start_node(bus=bus, extensions=EXTENSIONS)
    return w, home, bus, bot, (partner, invite)


async def command(bus: LocalBus, bot, guild_id: int, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    env = Envelope.new(type_, guild_id, data)
    await bus.deliver_command(bot.shard_of(guild_id), env)
    (done,) = [e for e in bus.events("command.completed") if e.data["command_id"] == env.id]
    return done.data


async def test_a_working_invite_reports_the_server_and_its_member_count(fake_discord: FakeDiscord, start_node) -> None:
    _w, home, bus, bot, (partner, _) = await setup(fake_discord, start_node)
    done = await command(bus, bot, home.id, "partner.check", {"invite_code": "cool", "partnership_id": "p1"})
    assert done["ok"] is True
    result = done["result"]
    assert (result["resolved"], result["guild_id"], result["name"], result["member_count"]) == (
        True, str(partner.id), "Cool Partner", 1234,
    )  # fmt: skip
    assert done["refs"]["partnership_id"] == "p1"


async def test_a_guild_whose_member_count_drops_is_reported_with_the_new_count(
    fake_discord: FakeDiscord, start_node
) -> None:
    _w, home, bus, bot, (partner, _) = await setup(fake_discord, start_node)
    partner.member_count_override = 40
    done = await command(bus, bot, home.id, "partner.check", {"invite_code": "cool", "partnership_id": "p1"})
    assert done["result"]["member_count"] == 40


async def test_an_invite_that_starts_answering_404_is_reported_unresolved_not_failed(
    fake_discord: FakeDiscord, start_node
) -> None:
    w, home, bus, bot, _ = await setup(fake_discord, start_node)
    assert (await command(bus, bot, home.id, "partner.check", {"invite_code": "cool", "partnership_id": "p1"}))[
        "result"
    ]["resolved"]
    del w.invites["cool"]
    done = await command(bus, bot, home.id, "partner.check", {"invite_code": "cool", "partnership_id": "p1"})
    assert done["ok"] is True
    assert done["result"] == {"resolved": False, "guild_id": None, "name": None, "icon_url": None, "member_count": None}


async def test_a_check_waits_while_a_user_facing_command_runs(fake_discord: FakeDiscord, start_node) -> None:
    _w, home, bus, bot, _ = await setup(fake_discord, start_node)
    release = asyncio.Event()
    order: list[str] = []

    async def slow_user_facing(env: Envelope) -> dict[str, Any]:
        order.append("user-facing started")
        await release.wait()
        order.append("user-facing done")
        return {}

    bot.register_command_handler("dm.send", slow_user_facing)  # stands in for any user-facing command
    shard = bot.shard_of(home.id)
    user = asyncio.create_task(
        bus.deliver_command(shard, Envelope.new("dm.send", home.id, {"user_id": "1", "content": "hi"}))
    )
    while not order:
        await asyncio.sleep(0.01)
    check = asyncio.create_task(
        bus.deliver_command(
            shard, Envelope.new("partner.check", home.id, {"invite_code": "cool", "partnership_id": "p1"})
        )
    )
    while bot.background_work.background_waits == 0:
        await asyncio.sleep(0.01)
    assert not fake_discord.world.calls.calls_to("GET /invites/{invite_code}")  # the check has not asked Discord yet
    release.set()
    await asyncio.gather(user, check)
    assert len(fake_discord.world.calls.calls_to("GET /invites/{invite_code}")) == 1
    assert order == ["user-facing started", "user-facing done"]


async def test_a_staff_notice_pings_only_the_review_role_when_asked(fake_discord: FakeDiscord, start_node) -> None:
    w, home, bus, bot, _ = await setup(fake_discord, start_node)
    log_channel = w.add_channel(home, "partner-log")
    role = w.add_role(home, "Partnership Team", mentionable=True)
    text = "3 applications have waited more than 48 hours @everyone"
    plain = await command(bus, bot, home.id, "staff.notify", {"channel_id": str(log_channel.id), "content": text})
    pinged = await command(
        bus, bot, home.id, "staff.notify",
        {"channel_id": str(log_channel.id), "content": text, "ping_role_id": str(role.id)},
    )  # fmt: skip
    assert plain["ok"] and pinged["ok"]
    first = w.message(log_channel, plain["result"]["message_id"])
    second = w.message(log_channel, pinged["result"]["message_id"])
    assert first.content == text
    assert second.content.startswith(f"<@&{role.id}>")
    assert first.pings == {"everyone": False, "users": [], "roles": []}
    assert second.pings == {"everyone": False, "users": [], "roles": [role.id]}
