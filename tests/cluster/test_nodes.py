"""Cluster nodes (real discord.py AutoShardedBot) against the fake Discord."""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bus import Envelope
from bus.routing import shard_for
from cluster.bot import PartnersBot, build_intents
from cluster.bus_link import LocalBus
from cluster.readiness import ShardState
from tests.fakediscord import FakeDiscord, Intents, eventually


def four_shard_world(fake: FakeDiscord) -> dict[int, list[int]]:
    """Two guilds on each of 4 shards; returns shard -> guild ids."""
    by_shard: dict[int, list[int]] = {}
    for shard in range(4):
        for n in range(2):
            g = fake.world.add_guild(f"s{shard}g{n}", shard=shard, shard_count=4)
            by_shard.setdefault(shard, []).append(g.id)
    return by_shard


def collect(bot: commands.AutoShardedBot, event: str) -> list[tuple]:
    """Record the arguments of every ``event`` the bot dispatches."""
    seen: list[tuple] = []

    async def listener(*args: object) -> None:
        seen.append(args)

    bot.add_listener(listener, f"on_{event}")
    return seen


async def test_two_nodes_split_four_shards(fake_discord: FakeDiscord, start_node) -> None:
    by_shard = four_shard_world(fake_discord)
    a = await start_node(shard_count=4, shard_ids="0-1")
    b = await start_node(shard_count=4, cluster_index=1, cluster_count=2)

    assert a.shard_ids == [0, 1] and b.shard_ids == [2, 3]
    assert {g.id for g in a.guilds} == set(by_shard[0] + by_shard[1])
    assert {g.id for g in b.guilds} == set(by_shard[2] + by_shard[3])
    for bot, shards in ((a, {0, 1}), (b, {2, 3})):
        assert bot.readiness.is_ready()
        assert bot.readiness.ready_shards == shards
        assert bot.consuming_shards == shards
        assert set(bot.bus.handlers) == shards  # type: ignore[attr-defined]
        assert all(bot.owns_guild(g) for s in shards for g in by_shard[s])
    # one session per shard, each identified with exactly the node's intents
    assert sorted(r.shard_id for r in fake_discord.gateway.identifies) == [0, 1, 2, 3]
    assert {r.intents for r in fake_discord.gateway.identifies} == {build_intents().value}


async def test_member_add_reaches_only_the_owning_node(fake_discord: FakeDiscord, start_node) -> None:
    by_shard = four_shard_world(fake_discord)
    a = await start_node(shard_count=4, shard_ids="0-1")
    b = await start_node(shard_count=4, shard_ids="2-3")
    joins_a, joins_b = collect(a, "member_join"), collect(b, "member_join")

    guild_id = by_shard[3][1]
    member = await fake_discord.member_join(guild_id, username="newcomer")
    await eventually(lambda: joins_b)
    await asyncio.sleep(0.05)  # the point: node a gets nothing meanwhile
    assert joins_a == []
    assert [(m.id, m.guild.id) for (m,) in joins_b] == [(member.user_id, guild_id)]
    assert [d.shard_id for d in fake_discord.gateway.log if d.event == "GUILD_MEMBER_ADD"] == [3]


async def test_node_without_members_intent_gets_no_member_add(fake_discord: FakeDiscord, start_node) -> None:
    guild = fake_discord.world.add_guild("home")
    intents = build_intents()
    intents.members = False
    bot = await start_node(intents=intents)
    joins, invites = collect(bot, "member_join"), collect(bot, "invite_create")

    reached = await fake_discord.dispatch(
        guild.id,
        "GUILD_MEMBER_ADD",
        {"guild_id": str(guild.id), **(fake_discord.world.member_payload(fake_discord.world.add_member(guild)))},
    )
    assert reached == []
    await fake_discord.member_join(guild)
    await fake_discord.invite_create(guild)  # the connection works: an event it asked for arrives
    await eventually(lambda: invites)
    assert joins == []
    assert not fake_discord.sessions(0)[0].has(Intents.GUILD_MEMBERS)


async def test_dm_command_reaches_shard_zero_with_content(fake_discord: FakeDiscord, start_node) -> None:
    four_shard_world(fake_discord)
    a = await start_node(shard_count=4, shard_ids="0-1")
    b = await start_node(shard_count=4, shard_ids="2-3")
    got_a, got_b = collect(a, "message"), collect(b, "message")
    user = fake_discord.world.add_user("rep")

    await fake_discord.dm_message(user, "$partnership https://discord.gg/abc")

    await eventually(lambda: got_a)
    (message,) = got_a[0]
    assert message.guild is None and message.author.id == user.id
    assert message.content == "$partnership https://discord.gg/abc"  # no message_content intent needed
    await asyncio.sleep(0.05)  # the point: node b gets nothing meanwhile
    assert got_b == []


async def test_messages_the_bot_sends_ping_nobody(fake_discord: FakeDiscord, start_node) -> None:
    w = fake_discord.world
    guild = w.add_guild("home")
    role = w.add_role(guild, "staff")
    channel = w.guild_channels(guild)[0]
    bot = await start_node()

    text = f"Join us! @everyone @here <@&{role.id}> <@{w.owner.id}>"
    sent = await bot.get_channel(channel.id).send(text)

    call = fake_discord.calls.last("POST /channels/{channel_id}/messages", channel_id=channel.id)
    assert call.json["allowed_mentions"] == {"parse": []}
    stored = w.messages[sent.id]
    assert stored.content == text and stored.pings_nobody


class PingCog(commands.Cog):
    def __init__(self, bot: PartnersBot) -> None:
        self.bot = bot

    @app_commands.command(name="ping", description="Answer with pong")
    @app_commands.describe(note="text to echo")
    async def ping(self, interaction: discord.Interaction, note: str = "") -> None:
        await interaction.response.send_message(f"pong {note} @everyone", ephemeral=True)


async def test_slash_command_round_trip(fake_discord: FakeDiscord, start_node) -> None:
    w = fake_discord.world
    guild = w.add_guild("home", shard=1, shard_count=2)
    user = w.add_member(guild, username="member").user_id
    bot = await start_node(shard_count=2, extensions=[])
    await bot.add_cog(PingCog(bot))
    await bot.tree.sync()
    assert [c["name"] for c in w.commands_global] == ["ping"]

    it = await fake_discord.slash_command("ping", user=user, guild=guild, options={"note": "hi"})
    response = await it.wait_response()

    assert response["type"] == 4
    assert response["data"]["content"] == "pong hi @everyone"
    assert response["data"]["flags"] == 64
    assert response["data"]["allowed_mentions"] == {"parse": []}
    call = fake_discord.calls.last("POST /interactions/{interaction_id}/{interaction_token}/callback")
    assert call.query == {"with_response": "1"} and call.params["interaction_id"] == it.id
    assert w.messages[it.original_message_id].ephemeral


async def test_health_endpoint_reports_shards(fake_discord: FakeDiscord, start_node) -> None:
    four_shard_world(fake_discord)
    bot = await start_node(shard_count=4, shard_ids="2,3", health_port=0)
    port = bot.get_cog("Health").port
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
            assert resp.status == 200
            body = await resp.json()
    assert body["ready"] is True
    assert body["shards"] == {"2": "ready", "3": "ready"}
    assert body["guilds"] == 4 and body["consuming"] == [2, 3]

    await fake_discord.gateway.drop(3, code=4000)
    await eventually(lambda: bot.readiness.state(3) is ShardState.DISCONNECTED or fake_discord.sessions(3)[0].resumes)
    await eventually(lambda: bot.readiness.is_ready() and fake_discord.sessions(3)[0].resumes == 1)
    assert bot.consuming_shards == {2, 3}


async def test_dropped_shard_resumes_and_gets_missed_events(fake_discord: FakeDiscord, start_node) -> None:
    guild = fake_discord.world.add_guild("home")
    bot = await start_node()
    joins = collect(bot, "member_join")
    session = fake_discord.sessions(0)[0]

    await fake_discord.gateway.drop(0)
    await eventually(lambda: not session.connected)
    member = await fake_discord.member_join(guild)  # buffered while the shard is away

    await eventually(lambda: joins)
    assert session.resumes == 1 and len(fake_discord.gateway.identifies) == 1
    assert joins[0][0].id == member.user_id


async def test_commands_reach_the_registered_handler_and_report_back(fake_discord: FakeDiscord, start_node) -> None:
    bus = LocalBus()
    bot = await start_node(bus=bus, extensions=[])  # a stand-in handler, not the intake cog's panel.post
    handled: list[Envelope] = []

    async def post(env: Envelope) -> dict:
        handled.append(env)
        return {"channel_id": "5", "message_id": "6"}

    bot.register_command_handler("panel.post", post)
    env = Envelope.new("panel.post", 1 << 22, {"channel_id": "5"})
    await bus.deliver_command(0, env)
    await bus.deliver_command(0, env)  # a redelivery does not run twice
    assert handled == [env]
    reports = bus.events("command.completed")
    assert len(reports) == 2 and all(r.data["ok"] and r.data["command_id"] == env.id for r in reports)
    assert reports[0].data["result"] == {"channel_id": "5", "message_id": "6"}
    with pytest.raises(LookupError):
        await bus.deliver_command(
            0,
            Envelope.new("dm.send", 1 << 22, {"user_id": "1", "content": "x"}).model_copy(
                update={"type": "unknown.thing"}
            ),
        )


async def test_a_discord_refusal_is_reported_in_plain_words(fake_discord: FakeDiscord, start_node) -> None:
    bus = LocalBus()
    bot = await start_node(bus=bus, extensions=[])  # a stand-in handler, not the intake cog's panel.post

    async def post(env: Envelope) -> dict:
        await bot.get_partial_messageable(int(env.data["channel_id"])).send("hi")
        return {}

    bot.register_command_handler("panel.post", post)
    await bus.deliver_command(0, Envelope.new("panel.post", 1 << 22, {"channel_id": "999"}))
    report = bus.events("command.completed")[-1].data
    assert report["ok"] is False and report["error_code"] in ("UNKNOWN_CHANNEL", "NOT_FOUND")
    assert report["error"].startswith("Could not post the application panel")


async def test_identify_is_paced_by_bucket(fake_discord: FakeDiscord, start_node) -> None:
    await start_node(shard_count=4, identify_concurrency=2, identify_interval=0.3)
    times = {r.shard_id: r.time for r in fake_discord.gateway.identifies}
    assert abs(times[1] - times[0]) < 0.2  # buckets 0 and 1 go together
    assert times[2] - times[0] >= 0.28 and times[3] - times[1] >= 0.28  # same bucket: spaced


async def test_guild_shard_arithmetic_matches_discord_py(fake_discord: FakeDiscord, start_node) -> None:
    by_shard = four_shard_world(fake_discord)
    bot = await start_node(shard_count=4, shard_ids="0-3")
    for guild in bot.guilds:
        assert guild.shard_id == shard_for(guild.id, 4)
        assert guild.id in by_shard[guild.shard_id]


async def test_every_posting_path_sends_no_mentions(fake_discord: FakeDiscord, start_node) -> None:
    """Channel message, edit, forum post, thread message and DM all carry allowed_mentions parse: []."""
    w = fake_discord.world
    guild = w.add_guild("home")
    forum = w.add_forum(guild, "showcase")
    rep = w.add_member(guild).user_id
    channel_id = w.guild_channels(guild)[0].id
    bot = await start_node()
    ad = "Best server @everyone @here"

    msg = await bot.get_channel(channel_id).send(ad)
    await msg.edit(content=ad + " (edited)")
    post = await bot.get_channel(forum.id).create_thread(name="Partner", content=ad)
    await post.thread.send(ad)
    await (await bot.fetch_user(rep)).send(ad)

    posted = [
        c
        for c in fake_discord.calls
        if c.method in ("POST", "PATCH") and c.json and ("content" in c.json or "message" in c.json)
    ]
    assert len(posted) == 5
    for call in posted:
        body = call.json.get("message", call.json)
        assert body["allowed_mentions"] == {"parse": []}, call
    assert all(m.pings_nobody for m in w.messages.values() if m.author_id == w.bot.id)
