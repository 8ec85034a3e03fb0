"""The stand-in's gateway, exercised with real discord.py clients."""

from __future__ import annotations

import asyncio

import discord
import pytest

from cluster.bot import build_intents
from tests.fakediscord import FakeDiscord, Intents, eventually, make_guild_id, shard_for
from tests.fakediscord.conftest import record
from tests.fakediscord.fixtures import no_identify_wait, running


def test_make_guild_id_lands_on_the_chosen_shard() -> None:
    for count in (1, 2, 7, 16):
        for shard in range(count):
            ids = [make_guild_id(shard, count) for _ in range(3)]
            assert {shard_for(i, count) for i in ids} == {shard}
            assert len(set(ids)) == 3


async def test_ready_then_one_guild_create_per_guild_of_the_shard(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    guilds = {s: [w.add_guild(f"g{s}{n}", shard=s, shard_count=3).id for n in range(2)] for s in range(3)}
    client = await connect(shard_ids=[0, 2], shard_count=3)

    assert {g.id for g in client.guilds} == set(guilds[0] + guilds[2])
    s0, s2 = fake_discord.sessions(0)[0], fake_discord.sessions(2)[0]
    ready = s0.events("READY")[0].data
    assert ready["shard"] == [0, 3] and ready["resume_gateway_url"].endswith("/gw-resume")
    assert {g["id"] for g in ready["guilds"]} == {str(i) for i in guilds[0]}
    assert all(g["unavailable"] for g in ready["guilds"])
    assert [int(d.data["id"]) for d in s2.events("GUILD_CREATE")] == guilds[2]
    assert fake_discord.sessions(1) == []
    assert not fake_discord.calls_to("GET /gateway/bot")  # explicit shard_count: DEFAULT_GATEWAY used


async def test_without_shard_count_the_client_asks_gateway_bot(fake_discord: FakeDiscord, connect) -> None:
    fake_discord.world.recommended_shards = 2
    client = await connect(shard_count=None)
    assert client.shard_count == 2
    assert sorted(s.shard_id for s in fake_discord.sessions()) == [0, 1]
    assert len(fake_discord.calls_to("GET /gateway/bot")) == 1


@pytest.mark.parametrize(
    ("intent", "event"),
    [
        ("members", "member_join"),
        ("members", "member_leave"),
        ("invites", "invite_create"),
        ("guild_reactions", "reaction_add"),
        ("dm_messages", "dm_message"),
        ("guild_messages", "guild_message"),
    ],
)
async def test_events_reach_only_sessions_with_their_intent(
    fake_discord: FakeDiscord, connect, intent: str, event: str
) -> None:
    w = fake_discord.world
    guild = w.add_guild("home")
    member = w.add_member(guild)
    channel = w.guild_channels(guild)[0]
    message = w.add_message(channel, w.bot, "review me")
    with_intent = build_intents()
    setattr(with_intent, intent, True)
    without = discord.Intents(with_intent.value)
    setattr(without, intent, False)

    async def fire() -> list[int]:
        before = len(fake_discord.gateway.log)
        if event == "member_join":
            await fake_discord.member_join(guild)
        elif event == "member_leave":
            await fake_discord.member_leave(guild, member.user_id)
            w.add_member(guild, member.user_id)
        elif event == "invite_create":
            await fake_discord.invite_create(guild)
        elif event == "reaction_add":
            await fake_discord.reaction_add(message, member.user_id, "👍")
        elif event == "dm_message":
            await fake_discord.dm_message(member.user_id, "hello")
        else:
            await fake_discord.guild_message(channel, member.user_id, "hello")
        return [d.shard_id for d in fake_discord.gateway.log[before:]]

    client = await connect(intents=without)
    assert await fire() == []
    await client.close()
    await connect(intents=with_intent)
    assert await fire() == [0]


async def test_message_content_needs_the_intent_in_guilds_but_not_in_dms(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    guild = w.add_guild("home")
    author = w.add_member(guild).user_id
    channel = w.guild_channels(guild)[0]
    intents = build_intents()
    intents.guild_messages = True
    client = await connect(intents=intents)
    seen = record(client, "message")

    await fake_discord.guild_message(channel, author, "secret plans")
    await fake_discord.guild_message(channel, author, f"hey <@{w.bot.id}> look")
    await fake_discord.dm_message(author, "$partnership abc")
    await eventually(lambda: len(seen) == 3)
    assert [args[0].content for _, args in seen] == ["", f"hey <@{w.bot.id}> look", "$partnership abc"]


async def test_resume_replays_missed_events(fake_discord: FakeDiscord, connect) -> None:
    guild = fake_discord.world.add_guild("home")
    client = await connect()
    seen = record(client, "member_join", "shard_resumed")
    session = fake_discord.sessions(0)[0]

    await fake_discord.gateway.drop(0)
    await eventually(lambda: not session.connected)
    await fake_discord.member_join(guild)
    await fake_discord.member_join(guild)

    await eventually(lambda: len([e for e, _ in seen if e == "member_join"]) == 2)
    assert ("shard_resumed", (0,)) in seen
    assert fake_discord.gateway.connect_paths == ["/gw", "/gw-resume"]
    assert len(fake_discord.gateway.identifies) == 1


async def test_reconnect_op_resumes_and_invalid_session_reidentifies(fake_discord: FakeDiscord, connect) -> None:
    fake_discord.world.add_guild("home")
    client = await connect()
    seen = record(client, "shard_resumed", "shard_ready")

    await fake_discord.gateway.request_reconnect(0)
    await eventually(lambda: ("shard_resumed", (0,)) in seen)

    await fake_discord.gateway.invalidate(0)
    await eventually(lambda: ("shard_ready", (0,)) in seen)
    assert len(fake_discord.gateway.identifies) == 2
    assert len(fake_discord.sessions(0)) == 1 and fake_discord.sessions(0)[0].connected
    assert len(client.guilds) == 1


async def test_bad_token_fails_login(fake_discord: FakeDiscord) -> None:
    client = discord.AutoShardedClient(intents=build_intents(), shard_count=1)
    with pytest.raises(discord.LoginFailure):
        await client.login("wrong-token")
    await client.close()
    assert fake_discord.calls.last("GET /users/@me").status == 401


async def test_privileged_intent_not_enabled_closes_4014(fake_discord: FakeDiscord) -> None:
    fake_discord.world.privileged_intents_allowed = 0
    client = discord.AutoShardedClient(intents=build_intents(), shard_count=1, guild_ready_timeout=0.05)
    client.before_identify_hook = no_identify_wait  # type: ignore[method-assign]
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(client.start(fake_discord.world.token), 10)
    await client.close()


async def test_bot_joining_and_leaving_a_guild(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    w.add_guild("home")
    newcomer = w.add_guild("new", bot_in_guild=False)
    client = await connect()
    seen = record(client, "guild_join", "guild_remove")

    await fake_discord.bot_added(newcomer)
    await eventually(lambda: seen)
    assert seen[0][0] == "guild_join" and seen[0][1][0].id == newcomer.id
    await fake_discord.bot_removed(newcomer)
    await eventually(lambda: len(seen) == 2)
    assert seen[1][0] == "guild_remove" and client.get_guild(newcomer.id) is None


async def test_member_chunks_are_answered(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    guild = w.add_guild("home")
    for _ in range(3):
        w.add_member(guild)
    intents = build_intents()
    client = await connect(
        intents=intents, chunk_guilds_at_startup=True, member_cache_flags=discord.MemberCacheFlags.from_intents(intents)
    )
    g = client.get_guild(guild.id)
    assert g.chunked and g.member_count == 5 and len(g.members) == 5
    assert fake_discord.sessions(0)[0].events("GUILD_MEMBERS_CHUNK")


async def test_two_clients_one_process(fake_discord: FakeDiscord) -> None:
    """Two nodes with their own shard ranges, as the cluster runs them."""
    w = fake_discord.world
    by_shard = {s: w.add_guild(f"g{s}", shard=s, shard_count=4).id for s in range(4)}
    clients = []
    for ids in ([0, 1], [2, 3]):
        c = discord.AutoShardedClient(
            intents=build_intents(),
            shard_ids=ids,
            shard_count=4,
            guild_ready_timeout=0.05,
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
        )
        c.before_identify_hook = no_identify_wait  # type: ignore[method-assign]
        clients.append(c)
    async with running(clients[0], w.token), running(clients[1], w.token):
        assert {g.id for g in clients[0].guilds} == {by_shard[0], by_shard[1]}
        assert {g.id for g in clients[1].guilds} == {by_shard[2], by_shard[3]}
        invite = w.add_invite(by_shard[2])
        assert await fake_discord.dispatch(by_shard[2], "INVITE_CREATE", w.invite_event_payload(invite)) == [2]
    assert all(s.intents & Intents.GUILD_MEMBERS for s in fake_discord.sessions())
