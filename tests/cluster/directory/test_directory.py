"""guild.directory: a node tells the api each guild's name, icon, channels and roles, from discord.py's
cache (no REST call), on shard ready and, debounced per guild, after the guild changes."""

from __future__ import annotations

from cluster.bus_link import LocalBus
from cluster.cogs.directory import Directory
from tests.fakediscord import FakeDiscord
from tests.fakediscord.server import eventually

EXTENSIONS = ["cluster.cogs.directory"]


def channels_by_name(env) -> dict[str, dict]:
    return {c["name"]: c for c in env.data["channels"]}


async def test_shard_ready_sends_each_guilds_directory_without_rest_calls(fake_discord: FakeDiscord, start_node):
    world = fake_discord.world
    home = world.add_guild("Home", shard=0, shard_count=1, icon="abc123")
    category = world.add_category(home, "Partners")
    world.add_channel(home, "showcase", parent=category)
    world.add_channel(home, "announcements", type="news")
    world.add_forum(home, "partner-forum", parent=category)
    world.add_channel(home, "Lounge", type="voice")
    role = world.add_role(home, "Partner", color=0x3498DB)
    bus = LocalBus()
    mark = fake_discord.calls.mark()

    await start_node(bus=bus, extensions=EXTENSIONS)
    (env,) = await eventually(lambda: bus.events("guild.directory"))

    assert env.guild_id == str(home.id)
    assert env.data["name"] == "Home" and "abc123" in env.data["icon_url"]
    by_name = channels_by_name(env)
    assert by_name["Partners"]["type"] == "CATEGORY"
    assert by_name["showcase"] == {
        "id": str(by_name["showcase"]["id"]),
        "name": "showcase",
        "type": "TEXT",
        "parent_id": str(category.id),
        "position": by_name["showcase"]["position"],
    }
    assert by_name["announcements"]["type"] == "ANNOUNCEMENT"
    assert by_name["partner-forum"]["type"] == "FORUM"
    assert by_name["Lounge"]["type"] == "OTHER"
    roles = {r["name"]: r for r in env.data["roles"]}
    assert roles["Partner"] == {"id": str(role.id), "name": "Partner", "color": 0x3498DB,
                                "position": role.position, "managed": False}  # fmt: skip
    assert "@everyone" not in roles
    assert not [c for c in fake_discord.calls.routes(mark) if "guilds/" in c or "channels/" in c]


async def test_a_renamed_channel_a_new_role_and_a_deleted_channel_are_sent(fake_discord: FakeDiscord, start_node):
    world = fake_discord.world
    home = world.add_guild("Home", shard=0, shard_count=1)
    showcase = world.add_channel(home, "showcase")
    doomed = world.add_channel(home, "old-partners")
    bus = LocalBus()
    bot = await start_node(bus=bus, extensions=EXTENSIONS)
    cog: Directory = bot.get_cog("Directory")  # type: ignore[assignment]
    cog.debounce = 0.05
    first = (await eventually(lambda: bus.events("guild.directory")))[0]

    showcase.name = "partner-showcase"
    await fake_discord.dispatch(home, "CHANNEL_UPDATE", world.channel_payload(showcase))
    renamed = await eventually(lambda: bus.events("guild.directory")[1:])
    assert "partner-showcase" in channels_by_name(renamed[0])
    assert renamed[0].data["revision"] > first.data["revision"]

    role = world.add_role(home, "Contact")
    await fake_discord.dispatch(home, "GUILD_ROLE_CREATE", {"guild_id": str(home.id), "role": role.payload()})
    with_role = await eventually(lambda: bus.events("guild.directory")[2:])
    assert "Contact" in {r["name"] for r in with_role[0].data["roles"]}

    world.delete_channel(doomed)
    await fake_discord.dispatch(home, "CHANNEL_DELETE", world.channel_payload(doomed))
    without = await eventually(lambda: bus.events("guild.directory")[3:])
    assert "old-partners" not in channels_by_name(without[0])

    home.name = "Home, renamed"
    await fake_discord.dispatch(home, "GUILD_UPDATE", world.guild_payload(home))
    guild_renamed = await eventually(lambda: bus.events("guild.directory")[4:])
    assert guild_renamed[0].data["name"] == "Home, renamed"


async def test_ten_channel_updates_make_one_event(fake_discord: FakeDiscord, start_node):
    world = fake_discord.world
    home = world.add_guild("Home", shard=0, shard_count=1)
    other = world.add_guild("Other", shard=0, shard_count=1)
    channel = world.add_channel(home, "showcase")
    bus = LocalBus()
    bot = await start_node(bus=bus, extensions=EXTENSIONS)
    cog: Directory = bot.get_cog("Directory")  # type: ignore[assignment]
    await eventually(lambda: len(bus.events("guild.directory")) == 2)  # both guilds, at ready
    cog.debounce = 3600  # held until flushed: the test decides when the debounce ends
    before = len(bus.events("guild.directory"))

    for i in range(10):
        channel.name = f"showcase-{i}"
        await fake_discord.dispatch(home, "CHANNEL_UPDATE", world.channel_payload(channel))
    await eventually(lambda: bot.get_channel(channel.id).name == "showcase-9")  # all ten reached the cache

    assert cog.pending() == {home.id}  # one event waiting for the guild, none for the other guild
    assert len(bus.events("guild.directory")) == before  # nothing sent during the burst
    await cog.flush()

    sent = bus.events("guild.directory")[before:]
    assert len(sent) == 1 and sent[0].guild_id == str(home.id)
    assert "showcase-9" in channels_by_name(sent[0])  # the state after the burst
    assert cog.pending() == set() and other.id not in cog.pending()
