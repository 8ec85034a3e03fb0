"""``$partnership <your invite> <server applied to> [ad]`` sent to the bot in a direct message."""

from __future__ import annotations

import asyncio

from cluster.bus_link import LocalBus
from tests.fakediscord import FakeDiscord, eventually

from .conftest import PARTNER_CODE, build_home, configure


async def dm_answers(fake: FakeDiscord, user, count: int) -> list[str]:
    return [
        m.content for m in await eventually(lambda: len(fake.world.dms_to(user)) >= count and fake.world.dms_to(user))
    ]


async def test_a_dm_application_is_published_for_the_named_server(fake_discord: FakeDiscord, start_node) -> None:
    w = fake_discord.world
    home = build_home(fake_discord, shard=1, shard_count=2)
    w.add_invite(home.guild, code="homeinvite")
    bus = LocalBus()
    await start_node(bus=bus, shard_count=2)  # one node, both shards: the DM arrives on shard 0
    user = w.add_user("applicant")

    await fake_discord.dm_message(
        user, f"$partnership https://discord.gg/{PARTNER_CODE} {home.guild.id} Our ad\nline 2"
    )
    (event,) = await eventually(lambda: bus.events("application.submitted"))
    assert event.guild_id == str(home.guild.id)
    assert event.data["source"] == "DM" and event.data["representative_id"] == str(user.id)
    assert event.data["advertisement"] == "Our ad\nline 2"
    assert event.data["reply"] is None and event.data["ticket_channel_id"] is None
    assert event.data["partner"]["id"] == str(home.partner.id) and event.data["partner"]["member_count"] == 1234
    assert {d.shard_id for d in fake_discord.gateway.log if d.event == "MESSAGE_CREATE"} == {0}
    (answer,) = await dm_answers(fake_discord, user, 1)
    assert answer.startswith("Checking your application to partner **Partner Place** with **Home**")

    # the target named by an invite link; an empty ad is the api's to refuse
    await fake_discord.dm_message(
        user, f"$Partnership <discord.gg/{PARTNER_CODE}> https://discord.com/invite/homeinvite"
    )
    await eventually(lambda: len(bus.events("application.submitted")) == 2)
    second = bus.events("application.submitted")[1]
    assert second.guild_id == str(home.guild.id) and second.data["advertisement"] == ""


async def test_malformed_or_impossible_requests_get_plain_answers(fake_discord: FakeDiscord, start_node) -> None:
    w = fake_discord.world
    home = build_home(fake_discord)
    elsewhere = w.add_guild("Elsewhere", bot_in_guild=False)
    w.add_invite(home.guild, code="homeinvite")
    bus = LocalBus()
    bot = await start_node(bus=bus)
    user = w.add_user("applicant")

    sent = [
        "$partnership",
        f"$partnership https://discord.gg/{PARTNER_CODE}",  # the seeds' form: no target
        f"$partnership https://discord.gg/{PARTNER_CODE} please accept us",
        "$partnership https://example.com/x 123456789012345678",
        f"$partnership https://discord.gg/nosuchcode {home.guild.id}",
        f"$partnership https://discord.gg/{PARTNER_CODE} {elsewhere.id} ad",
        f"$partnership https://discord.gg/homeinvite {home.guild.id} ad",
    ]
    for n, content in enumerate(sent, start=1):
        await fake_discord.dm_message(user, content)
        await dm_answers(fake_discord, user, n)
    answers = [m.content for m in w.dms_to(user)]
    for usage in (answers[0], answers[2], answers[3]):
        assert "`$partnership <your server's invite> <server you want to partner with> <your advertisement>`" in usage
    # the seeds' form is kept and the bot asks which server it is for (the next command replaces it)
    assert answers[1].startswith("Which server do you want to partner **Partner Place** with?")
    assert answers[2].startswith("The second part must be the id of the server")
    assert answers[3].startswith("The first part must be an invite to your server")
    assert answers[4].startswith("That invite is invalid or has expired.")
    assert answers[5].startswith("I am not in that server")
    assert answers[6] == "Your server and the server you want to partner with are the same."

    await configure(bus, bot, home.guild, application_mode="TICKET", ticket_channel_id=str(home.tickets.id))
    await fake_discord.dm_message(user, f"$partnership {PARTNER_CODE} {home.guild.id} ad")
    answers = await dm_answers(fake_discord, user, 8)
    assert (
        answers[7] == "**Home** takes partnership applications through tickets: use `/ppartner apply` in that server."
    )
    assert bus.events("application.submitted") == []

    # other DMs, and bots, are ignored
    mark = fake_discord.calls.mark()
    await fake_discord.dm_message(user, "hello there")
    await fake_discord.dm_message(w.add_user("otherbot", bot=True), f"$partnership {PARTNER_CODE} {home.guild.id}")
    await asyncio.sleep(0.1)  # the point: no answer and no call to Discord comes meanwhile
    assert fake_discord.calls.routes(mark) == []


async def test_a_target_on_another_node_is_checked_with_discord(fake_discord: FakeDiscord, start_node) -> None:
    w = fake_discord.world
    home = build_home(fake_discord, shard=1, shard_count=2)
    elsewhere = w.add_guild("Elsewhere", shard=1, shard_count=2, bot_in_guild=False)
    zero, one = LocalBus(), LocalBus()
    await start_node(bus=zero, shard_count=2, shard_ids="0")
    await start_node(bus=one, shard_count=2, shard_ids="1")
    user = w.add_user("applicant")

    await fake_discord.dm_message(user, f"$partnership {PARTNER_CODE} {home.guild.id} Our ad")
    (event,) = await eventually(lambda: zero.events("application.submitted"))
    assert event.guild_id == str(home.guild.id) and event.data["source"] == "DM"
    assert fake_discord.calls.last("GET /guilds/{guild_id}").params["guild_id"] == home.guild.id
    assert one.events("application.submitted") == []
    await dm_answers(fake_discord, user, 1)  # answered: the next request is not "still being checked"

    await fake_discord.dm_message(user, f"$partnership {PARTNER_CODE} {elsewhere.id} Our ad")
    answers = await dm_answers(fake_discord, user, 2)
    assert answers[1].startswith("I am not in that server")


SEED_TEXT = f"$partnership https://discord.gg/{PARTNER_CODE}"  # PYS's command, exactly: no server named


async def test_the_seed_command_applies_to_the_default_server(fake_discord: FakeDiscord, start_node) -> None:
    w = fake_discord.world
    home = build_home(fake_discord)
    other = w.add_guild("Other")
    bus = LocalBus()
    await start_node(bus=bus, dm_default_guild_id=home.guild.id)
    user = w.add_user("applicant")

    await fake_discord.dm_message(user, SEED_TEXT)
    (event,) = await eventually(lambda: bus.events("application.submitted"))
    assert event.guild_id == str(home.guild.id) and event.data["source"] == "DM"
    assert event.data["partner"]["id"] == str(home.partner.id) and event.data["advertisement"] == ""
    (answer,) = await dm_answers(fake_discord, user, 1)
    assert answer.startswith("Checking your application to partner **Partner Place** with **Home**")

    # with a default server, the words after the invite are the advertisement; a named server still wins
    await fake_discord.dm_message(user, f"{SEED_TEXT} Come and\njoin us")
    await fake_discord.dm_message(user, f"{SEED_TEXT} {other.id} Our ad")
    await eventually(lambda: len(bus.events("application.submitted")) == 3)
    second, third = bus.events("application.submitted")[1:]
    assert second.guild_id == str(home.guild.id) and second.data["advertisement"] == "Come and\njoin us"
    assert third.guild_id == str(other.id) and third.data["advertisement"] == "Our ad"


async def test_without_a_default_server_the_bot_asks_which_one(fake_discord: FakeDiscord, start_node) -> None:
    w = fake_discord.world
    home = build_home(fake_discord)
    w.add_invite(home.guild, code="homeinvite")
    bus = LocalBus()
    await start_node(bus=bus)
    user = w.add_user("applicant")

    await fake_discord.dm_message(user, SEED_TEXT)
    (question,) = await dm_answers(fake_discord, user, 1)
    assert question.startswith("Which server do you want to partner **Partner Place** with?")
    assert bus.events("application.submitted") == []

    await fake_discord.dm_message(user, "the big one")  # not an id or an invite link: asked again, still kept
    answers = await dm_answers(fake_discord, user, 2)
    assert answers[1].startswith("I need the server you want to partner with")
    await fake_discord.dm_message(user, f"  {home.guild.id}  ")
    (event,) = await eventually(lambda: bus.events("application.submitted"))
    assert event.guild_id == str(home.guild.id) and event.data["source"] == "DM"
    assert event.data["representative_id"] == str(user.id) and event.data["partner"]["id"] == str(home.partner.id)
    answers = await dm_answers(fake_discord, user, 3)
    assert answers[2].startswith("Checking your application to partner **Partner Place** with **Home**")

    # answered: the conversation is over, so a plain DM is ignored again; an invite link answers too
    mark = fake_discord.calls.mark()
    await fake_discord.dm_message(user, str(home.guild.id))
    await asyncio.sleep(0.1)
    assert fake_discord.calls.routes(mark) == []
    await fake_discord.dm_message(user, SEED_TEXT)
    await dm_answers(fake_discord, user, 4)
    await fake_discord.dm_message(user, "https://discord.gg/homeinvite")
    await eventually(lambda: len(bus.events("application.submitted")) == 2)
    assert bus.events("application.submitted")[1].guild_id == str(home.guild.id)

    # cancel ends it without sending anything
    await fake_discord.dm_message(user, SEED_TEXT)
    await dm_answers(fake_discord, user, 6)
    await fake_discord.dm_message(user, "cancel")
    answers = await dm_answers(fake_discord, user, 7)
    assert answers[6] == "Cancelled: no application was sent."
    assert len(bus.events("application.submitted")) == 2


class GatedBus(LocalBus):
    """Holds the first published event until released: the first DM is still being handled."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def publish_event(self, env) -> None:
        if env.type == "application.submitted" and not self.release.is_set():
            self.entered.set()
            await self.release.wait()
        await super().publish_event(env)


async def test_two_dms_in_quick_succession_are_both_answered(fake_discord: FakeDiscord, start_node) -> None:
    w = fake_discord.world
    home = build_home(fake_discord)
    bus = GatedBus()
    bot = await start_node(bus=bus)
    user = w.add_user("applicant")

    await fake_discord.dm_message(user, f"{SEED_TEXT} {home.guild.id} First ad")
    await asyncio.wait_for(bus.entered.wait(), 10)  # the first is being handled...
    second_seen = asyncio.ensure_future(bot.wait_for("message", check=lambda m: m.content.endswith("Second ad")))
    await fake_discord.dm_message(user, f"{SEED_TEXT} {home.guild.id} Second ad")
    await asyncio.wait_for(second_seen, 10)  # ...when the second reaches the bot
    for _ in range(5):
        await asyncio.sleep(0)
    bus.release.set()

    await eventually(lambda: len(bus.events("application.submitted")) == 2)
    assert [e.data["advertisement"] for e in bus.events("application.submitted")] == ["First ad", "Second ad"]
    answers = await dm_answers(fake_discord, user, 2)
    assert all(a.startswith("Checking your application") for a in answers)
