"""After approval: the showcase post edited in place (updatePartnership), partner channels created with
explicit permission overwrites, our advertisement arriving whole by DM, and a deleted invite reported
to the api (it decides whether it was a tracked invite)."""

from __future__ import annotations

import pytest

from tests.cluster.showcase.harness import Home, start_home
from tests.fakediscord import FakeDiscord
from tests.fakediscord.server import eventually

SINGLE, PER_CHANNEL, FORUM = "SINGLE_CHANNEL", "CHANNEL_PER_PARTNER", "FORUM_PER_PARTNER"
SEND_MESSAGES, SEND_MESSAGES_IN_THREADS, VIEW_CHANNEL = 1 << 11, 1 << 38, 1 << 10


@pytest.fixture
async def home(fake_discord: FakeDiscord, start_node) -> Home:
    return await start_home(fake_discord, start_node)


def edit_of(home: Home, mode: str, posted: dict, *, ad: str, name: str, invite: str) -> dict:
    partner = {**home.partner, "name": name, "invite_code": invite}
    placement = {k: posted[k] for k in ("channel_id", "message_id", "thread_id")}
    return {
        "partnership_id": "p1",
        "channel_mode": mode,
        "placement": placement,
        "partner": partner,
        "advertisement": ad,
    }


def target(home: Home, mode: str):
    return {SINGLE: home.showcase, PER_CHANNEL: home.category, FORUM: home.forum}[mode]


# ---- showcase.edit ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [SINGLE, PER_CHANNEL, FORUM])
async def test_an_edit_patches_the_showcase_post_in_place(home: Home, mode: str) -> None:
    posted = await home.ok("showcase.post", home.showcase_post(mode, target(home, mode), ad="Old ad"))
    before = len(home.sent_by_bot())

    edit = edit_of(home, mode, posted, ad="New ad, better", name="Cooler Partner", invite="cooler")
    assert await home.ok("showcase.edit", edit) == {}

    holder = posted["thread_id"] or posted["channel_id"]
    message = home.message(holder, posted["message_id"])
    assert message.content == "New ad, better" and message.pings_nobody
    (row,) = message.components
    assert row["components"][0]["url"] == "https://discord.gg/cooler"
    assert row["components"][0]["label"] == "Join Cooler Partner"
    assert len(home.sent_by_bot()) == before  # edited, never re-posted
    if mode == FORUM:
        assert home.world.channel(int(posted["thread_id"])).name == "Cooler Partner"


async def test_an_edit_of_a_deleted_post_fails_in_plain_words(home: Home) -> None:
    posted = await home.ok("showcase.post", home.showcase_post(SINGLE, home.showcase))
    home.world.messages[int(posted["message_id"])].deleted = True
    done = await home.command("showcase.edit", edit_of(home, SINGLE, posted, ad="x", name="n", invite="cool"))
    assert done.data["ok"] is False and done.data["error_code"] == "UNKNOWN_MESSAGE"
    assert len(home.sent_by_bot()) == 1  # nothing posted instead


# ---- partner channels get explicit overwrites ---------------------------------------------------------------


async def test_a_partner_channel_is_created_with_the_categorys_overwrites_and_everyone_may_not_send(
    fake_discord: FakeDiscord, start_node
) -> None:
    def prepare(world, guild) -> None:
        category = next(c for c in world.guild_channels(guild) if c.name == "partner-channels")
        staff = world.add_role(guild, "Staff")
        category.permission_overwrites = [
            {"id": str(guild.id), "type": 0, "allow": "0", "deny": str(1 << 6)},  # @everyone: no reactions
            {"id": str(staff.id), "type": 0, "allow": str(SEND_MESSAGES), "deny": "0"},
        ]

    home = await start_home(fake_discord, start_node, prepare)
    staff = next(r for r in home.guild.roles.values() if r.name == "Staff")
    result = await home.ok("showcase.post", home.showcase_post(PER_CHANNEL, home.category))

    channel = home.world.channel(int(result["channel_id"]))
    by_id = {o["id"]: o for o in channel.permission_overwrites}
    assert by_id[str(home.guild.id)] == {
        "id": str(home.guild.id),
        "type": 0,
        "allow": "0",
        "deny": str((1 << 6) | SEND_MESSAGES | SEND_MESSAGES_IN_THREADS),
    }
    assert by_id[str(staff.id)] == {"id": str(staff.id), "type": 0, "allow": str(SEND_MESSAGES), "deny": "0"}
    bot = by_id[str(home.world.bot.id)]
    assert bot["type"] == 1 and int(bot["allow"]) & (VIEW_CHANNEL | SEND_MESSAGES) == VIEW_CHANNEL | SEND_MESSAGES
    assert len(by_id) == 3
    assert home.message(channel, result["message_id"]).content == "Our ad"


async def test_a_category_without_overwrites_still_gets_explicit_ones(home: Home) -> None:
    result = await home.ok("showcase.post", home.showcase_post(PER_CHANNEL, home.category))
    overwrites = home.world.channel(int(result["channel_id"])).permission_overwrites
    everyone = next(o for o in overwrites if o["id"] == str(home.guild.id))
    assert (
        everyone["type"] == 0
        and int(everyone["deny"]) & SEND_MESSAGES
        and int(everyone["deny"]) & SEND_MESSAGES_IN_THREADS
    )
    assert all(isinstance(o["allow"], str) and isinstance(o["deny"], str) for o in overwrites)


# ---- our advertisement by DM arrives whole ----------------------------------------------------------------


async def test_a_2000_character_ad_arrives_whole_after_its_header(home: Home) -> None:
    ad = ("Join the best server! " * 100)[:1972] + "\nhttps://discord.gg/abcdefgh"
    assert len(ad) == 2000
    header = "Here is our advertisement for your server:"
    await home.ok("dm.send", {"user_id": str(home.rep), "content": header, "messages": [ad]})
    dms = home.world.dms_to(home.rep)
    assert [m.content for m in dms] == [header, ad]
    assert all(m.pings_nobody for m in dms)


async def test_an_ad_longer_than_a_message_is_split_at_a_line_break_never_cut(home: Home) -> None:
    ad = "a" * 1990 + "\n" + "b" * 30 + "\nhttps://discord.gg/abcdefgh"  # {invite} made it longer than 2,000
    await home.ok("dm.send", {"user_id": str(home.rep), "content": "Header", "messages": [ad]})
    contents = [m.content for m in home.world.dms_to(home.rep)]
    assert contents == ["Header", "a" * 1990, "b" * 30 + "\nhttps://discord.gg/abcdefgh"]
    assert all(len(c) <= 2000 for c in contents)


# ---- a deleted invite is reported --------------------------------------------------------------------------


async def test_invite_delete_is_published_for_configured_guilds_only(fake_discord: FakeDiscord, start_node) -> None:
    others = []
    home = await start_home(
        fake_discord, start_node, lambda world, guild: others.append(world.add_guild("Other", shard=0, shard_count=1))
    )
    (other,) = others
    await home.sync()
    tracked = await home.ok("invite.create", {"partnership_id": "p1"})
    unrelated = home.world.add_invite(other, home.world.guild_channels(other)[0])

    await home.fake.invite_delete(unrelated.code)  # a guild the api never configured: nothing to report
    await home.fake.invite_delete(tracked["code"])  # same shard, dispatched after: its event proves the first was seen
    await eventually(lambda: home.bus.events("invite.deleted"))
    (event,) = home.bus.events("invite.deleted")
    assert event.guild_id == str(home.guild.id) and event.data["code"] == tracked["code"]


# ---- partner.check ------------------------------------------------------------------------------------------


async def test_partner_check_reports_what_the_invite_resolves_to(home: Home) -> None:
    partner = home.world.guild(int(home.partner["id"]))
    home.world.add_invite(partner, code="cool")
    result = await home.ok("partner.check", {"partnership_id": "p1", "invite_code": "cool"})
    assert result == {
        "resolved": True,
        "guild_id": str(partner.id),
        "name": "Cool Partner",
        "icon_url": None,
        "member_count": 1234,
    }
    gone = await home.ok("partner.check", {"partnership_id": "p1", "invite_code": "expired1"})
    assert gone == {"resolved": False, "guild_id": None, "name": None, "icon_url": None, "member_count": None}
