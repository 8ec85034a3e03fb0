"""The stand-in's REST routes, called through real discord.py."""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest

from tests.fakediscord import ErrorCode, FakeDiscord, eventually
from tests.fakediscord.conftest import record

SEND = "POST /channels/{channel_id}/messages"


async def connected_to_home(fake: FakeDiscord, connect) -> tuple[discord.Client, int]:
    """The bot connected to a guild "home"; the client and the id of that guild's first channel."""
    guild = fake.world.add_guild("home")
    client = await connect()
    return client, fake.world.guild_channels(guild)[0].id


async def test_json_responses_have_exactly_application_json(fake_discord: FakeDiscord) -> None:
    headers = {"Authorization": f"Bot {fake_discord.world.token}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{fake_discord.api_base}/users/@me", headers=headers) as resp:
            assert resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["id"] == str(fake_discord.world.bot.id)
        async with http.get(f"{fake_discord.api_base}/no/such/route", headers=headers) as resp:
            assert resp.status == 404
    assert fake_discord.calls.routes() == ["GET /users/@me", "GET /no/such/route"]


async def test_calls_are_recorded_with_route_params_and_body(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    guild = w.add_guild("home")
    a, b = w.guild_channels(guild)[0], w.add_channel(guild, "other")
    client = await connect()
    mark = fake_discord.calls.mark()

    await client.get_channel(a.id).send("one")
    await client.get_channel(b.id).send("two", embed=discord.Embed(description="ad"))

    assert len(fake_discord.calls_to(SEND, since=mark)) == 2
    (call,) = fake_discord.calls_to(SEND, channel_id=b.id)
    assert call.params == {"channel_id": b.id} and call.status == 200
    assert call.json["content"] == "two" and call.json["embeds"][0]["description"] == "ad"
    assert [m.content for m in w.messages_in(b)] == ["two"]


async def test_missing_permission_answers_403_50013(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    guild = w.add_guild("home")
    open_ch, closed_ch = w.guild_channels(guild)[0], w.add_channel(guild, "staff")
    w.deny_bot(guild, "SEND_MESSAGES", channel=closed_ch)
    client = await connect()

    await client.get_channel(open_ch.id).send("fine")
    with pytest.raises(discord.Forbidden) as err:
        await client.get_channel(closed_ch.id).send("nope")
    assert err.value.code == 50013 and err.value.text == "Missing Permissions"

    w.deny_bot(guild, "MANAGE_GUILD")
    with pytest.raises(discord.Forbidden):
        await client.get_guild(guild.id).invites()
    assert fake_discord.calls.last("GET /guilds/{guild_id}/invites").status == 403


async def test_unknown_channel_answers_404_10003(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    guild = w.add_guild("home")
    doomed = w.add_channel(guild, "doomed")
    client = await connect()
    channel = client.get_channel(doomed.id)
    await channel.delete()
    with pytest.raises(discord.NotFound) as err:
        await channel.send("anyone?")
    assert err.value.code == ErrorCode.UNKNOWN_CHANNEL
    with pytest.raises(discord.NotFound):
        await client.fetch_channel(1234567890123456789)


async def test_direct_messages_and_closed_dms(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    guild = w.add_guild("home")
    open_user = w.add_member(guild).user_id
    closed_user = w.add_member(guild).user_id
    w.users[closed_user].dms_open = False
    stranger = w.add_user("stranger").id
    client = await connect()

    await (await client.fetch_user(open_user)).send("our advertisement")
    assert [m.content for m in w.dms_to(open_user)] == ["our advertisement"]
    for uid in (closed_user, stranger):  # closed DMs, and no mutual guild
        with pytest.raises(discord.Forbidden) as err:
            await (await client.fetch_user(uid)).send("hello")
        assert err.value.code == ErrorCode.CANNOT_SEND_TO_USER
    await fake_discord.dm_message(stranger, "$partnership abc")  # they wrote first: replies allowed
    await (await client.fetch_user(stranger)).send("received")
    assert [m.content for m in w.dms_to(stranger)] == ["received"]


async def test_invites_list_resolve_and_vanity(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    home = w.add_guild("home", vanity_url_code="home")
    w.add_invite(home, code="staff1", uses=4, max_age=0)
    partner = w.add_guild("Partner", bot_in_guild=False, member_count=1234, icon="abc123")
    w.add_invite(partner, code="partner1")
    client = await connect()
    guild = client.get_guild(home.id)

    assert {(i.code, i.uses) for i in await guild.invites()} == {("staff1", 4)}
    vanity = await guild.vanity_invite()
    assert vanity is not None and vanity.code == "home" and vanity.uses == 0

    resolved = await client.fetch_invite("https://discord.gg/partner1", with_counts=True)
    assert resolved.guild.id == partner.id and resolved.guild.name == "Partner"
    assert resolved.approximate_member_count == 1234
    assert resolved.guild.icon is not None
    by_vanity = await client.fetch_invite("home")
    assert by_vanity.guild.id == home.id
    assert fake_discord.calls.last("GET /invites/{invite_code}").query == {"with_counts": "1"}
    with pytest.raises(discord.NotFound):
        await client.fetch_invite("nope")


async def test_joins_raise_invite_uses_before_the_member_add(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    home = w.add_guild("home", vanity_url_code="home")
    w.add_invite(home, code="abc", max_uses=2)
    client = await connect()
    uses_seen: list[dict[str, int]] = []

    async def on_member_join(member: discord.Member) -> None:
        uses_seen.append({i.code: i.uses for i in await member.guild.invites()})

    client.on_member_join = on_member_join  # type: ignore[attr-defined]
    await fake_discord.member_join(home, invite="abc")
    await eventually(lambda: uses_seen)
    assert uses_seen[0] == {"abc": 1}
    await fake_discord.member_join(home, vanity=True)
    await fake_discord.member_join(home, invite="abc")  # reaches max_uses: the invite is deleted
    await eventually(lambda: len(uses_seen) == 3)
    assert uses_seen[2] == {} and w.guilds[home.id].vanity_uses == 1


async def test_create_invite_reuses_unless_unique(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    client, channel_id = await connected_to_home(fake_discord, connect)
    seen = record(client, "invite_create")
    channel = client.get_channel(channel_id)

    first = await channel.create_invite(max_age=0, unique=False)
    again = await channel.create_invite(max_age=0, unique=False)  # Discord hands back the same invite
    fresh = await channel.create_invite(max_age=0)  # discord.py sends unique=true by default
    assert first.code == again.code != fresh.code
    assert first.inviter.id == w.bot.id
    await eventually(lambda: len(seen) == 2)  # INVITE_CREATE only for new invites
    assert fake_discord.calls.last("POST /channels/{channel_id}/invites").json["unique"] is True


async def test_channels_threads_and_forum_posts(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    guild = w.add_guild("home")
    category = w.add_category(guild, "Partners")
    forum = w.add_forum(guild, "showcase")
    rep = w.add_member(guild).user_id
    client = await connect()
    g = client.get_guild(guild.id)

    text = await g.create_text_channel("Partner Ads", category=g.get_channel(category.id))
    assert text.category_id == category.id and text.name == "partner-ads"
    await eventually(lambda: g.get_channel(text.id) is not None)  # CHANNEL_CREATE reached the cache

    post = await g.get_channel(forum.id).create_thread(name="Cool Server", content="Join @everyone")
    assert post.thread.parent_id == forum.id and post.message.id == post.thread.id
    stored = w.messages[post.message.id]
    assert stored.content == "Join @everyone" and stored.pings_nobody is False  # no client-wide default here
    assert fake_discord.calls.last("POST /channels/{channel_id}/threads").json["message"]["content"] == "Join @everyone"

    ticket = await text.create_thread(name="ticket-rep", type=discord.ChannelType.private_thread, invitable=False)
    assert ticket.type is discord.ChannelType.private_thread
    await ticket.add_user(discord.Object(rep))
    assert rep in w.channels[ticket.id].thread_members
    await ticket.edit(archived=True, locked=True)
    assert w.channels[ticket.id].archived and w.channels[ticket.id].locked
    with pytest.raises(discord.HTTPException) as err:
        await ticket.send("closed?")
    assert err.value.code == ErrorCode.THREAD_ARCHIVED

    await text.edit(name="renamed")
    assert w.channels[text.id].name == "renamed"


async def test_member_roles_and_hierarchy(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    guild = w.add_guild("home")
    contact = w.add_role(guild, "Partner contact")
    above = w.add_role(guild, "Admins", position=50)
    rep = w.add_member(guild).user_id
    client = await connect()
    g = client.get_guild(guild.id)

    member = await g.fetch_member(rep)
    await member.add_roles(g.get_role(contact.id), reason="partnership approved")
    assert w.member(guild, rep).roles == [contact.id]
    call = fake_discord.calls.last("PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}")
    assert call.params["role_id"] == contact.id and call.reason == "partnership approved"
    (update,) = fake_discord.sessions(0)[0].events("GUILD_MEMBER_UPDATE")
    assert update.data["roles"] == [str(contact.id)]
    with pytest.raises(discord.Forbidden):
        await member.add_roles(g.get_role(above.id))
    await member.remove_roles(g.get_role(contact.id))
    assert w.member(guild, rep).roles == []
    w.deny_bot(guild, "MANAGE_ROLES")
    with pytest.raises(discord.Forbidden):
        await member.add_roles(g.get_role(contact.id))
    with pytest.raises(discord.NotFound):
        await g.fetch_member(w.add_user().id)


async def test_messages_edit_delete_and_reactions(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    guild = w.add_guild("home")
    staff = w.add_role(guild, "staff")
    reviewer = w.add_member(guild, roles=[staff]).user_id
    channel_id = w.guild_channels(guild)[0].id
    client = await connect()
    seen = record(client, "raw_reaction_add")
    channel = client.get_channel(channel_id)

    review = await channel.send("New application", allowed_mentions=discord.AllowedMentions.none())
    await review.add_reaction("👍")
    await review.add_reaction("👎")
    assert w.messages[review.id].reactions == {"👍": [w.bot.id], "👎": [w.bot.id]}
    assert (
        fake_discord.calls.last("PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me").params[
            "emoji"
        ]
        == "👎"
    )

    await fake_discord.reaction_add(review.id, reviewer, "👍")
    await eventually(lambda: any(p[0].user_id == reviewer for _, p in seen))
    payload = next(p[0] for _, p in seen if p[0].user_id == reviewer)
    assert payload.emoji.name == "👍" and [r.id for r in payload.member.roles if r.id == staff.id] == [staff.id]

    await review.remove_reaction("👍", discord.Object(reviewer))
    assert w.messages[review.id].reactions["👍"] == [w.bot.id]
    edited = await review.edit(content="Accepted")
    assert edited.content == "Accepted" and w.messages[review.id].edited_at is not None
    other = w.add_message(channel_id, reviewer, "mine")
    with pytest.raises(discord.Forbidden):
        await (await channel.fetch_message(other.id)).edit(content="hijack")
    await review.delete()
    with pytest.raises(discord.NotFound):
        await channel.fetch_message(review.id)


async def test_form_errors_like_discord(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    client, channel_id = await connected_to_home(fake_discord, connect)
    with pytest.raises(discord.HTTPException) as err:
        await client.get_channel(channel_id).send("x" * 2001)
    assert err.value.status == 400 and err.value.code == ErrorCode.INVALID_FORM_BODY
    assert "content" in str(err.value)
    assert w.messages_in(channel_id) == []


async def test_429_is_retried_after_retry_after(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    client, channel_id = await connected_to_home(fake_discord, connect)
    fake_discord.rest.rate_limit(SEND, retry_after=0.1)

    await client.get_channel(channel_id).send("eventually")

    assert [c.status for c in fake_discord.calls_to(SEND)] == [429, 200]
    first, second = fake_discord.calls_to(SEND)
    assert second.time - first.time >= 0.09
    assert [m.content for m in w.messages_in(channel_id)] == ["eventually"]


async def test_ratelimit_headers_make_the_client_wait(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    client, channel_id = await connected_to_home(fake_discord, connect)
    fake_discord.rest.set_bucket(SEND, limit=2, per=0.3)
    channel = client.get_channel(channel_id)

    await asyncio.gather(*(channel.send(f"m{i}") for i in range(4)))

    statuses = [c.status for c in fake_discord.calls_to(SEND)]
    assert statuses.count(200) == 4
    assert len(w.messages_in(channel_id)) == 4


async def test_injected_server_error_is_seen_by_the_client(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    guild = w.add_guild("home")
    client = await connect()
    fake_discord.rest.inject(
        "GET /guilds/{guild_id}/invites", status=403, body={"message": "Missing Access", "code": 50001}
    )
    with pytest.raises(discord.Forbidden) as err:
        await client.get_guild(guild.id).invites()
    assert err.value.code == 50001
    assert await client.get_guild(guild.id).invites() == []
