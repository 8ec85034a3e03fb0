"""The whole system on the real broker: the API (embedded database) and two cluster nodes owning
shards 0-1 and 2-3 of a 4-shard bot, against the fake Discord. Flows are driven from the Discord
side and checked in GraphQL and in the REST calls the fake recorded."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from api.app import create_app
from api.auth import EDIT, VIEW
from api.container import Container
from api.lifecycle import start_live
from api.worker import start_worker
from cluster.bot import PartnersBot
from cluster.bus_link import make_bus as make_node_bus
from tests.api.conftest import Api, make_settings, serve
from tests.cluster.conftest import node_settings
from tests.fakediscord import FakeDiscord, eventually
from tests.fakediscord.fixtures import fake_discord, running  # noqa: F401
from tests.support.metrics import scrape

SHARDS = 4
PARTNER_CODE = "partner1"


@dataclass
class System:
    fake: FakeDiscord
    api: Api
    container: Container
    broker_url: str
    nodes: dict[str, Any] = field(default_factory=dict)
    stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)

    async def start_node(self, name: str, shard_ids: str) -> PartnersBot:
        settings = node_settings(self.fake, shard_count=SHARDS, shard_ids=shard_ids, rabbitmq_url=self.broker_url)
        bot = PartnersBot(settings, bus=make_node_bus(settings))
        context = running(bot, settings.discord_token.get_secret_value(), timeout=20)
        await context.__aenter__()
        self.nodes[name] = (bot, context)
        return bot

    async def stop_node(self, name: str) -> None:
        _, context = self.nodes.pop(name)
        await context.__aexit__(None, None, None)

    async def gql(self, query: str, variables: dict | None = None, guild: int | None = None) -> dict:
        token = self.api.token({guild: [VIEW, EDIT]}) if guild else None
        return await self.api.data(query, variables, token=token or "editor")


@pytest.fixture
async def system(
    broker_url: str,
    fake_discord: FakeDiscord,  # noqa: F811
    tokens,
    system_settings: dict[str, Any],
) -> AsyncIterator[System]:
    settings = make_settings(rabbitmq_url=broker_url, shard_count=SHARDS, **system_settings)
    container = await Container.open(settings)
    await start_live(container)
    await start_worker(container)
    async with serve(create_app(settings, container=container, tokens=tokens)) as base:
        system = System(fake_discord, Api(base, tokens, container), container, broker_url)
        try:
            yield system
        finally:
            for name in list(system.nodes):
                await system.stop_node(name)
            await system.api.http.aclose()
            await container.close()


SETTINGS = """mutation($g: Snowflake!, $input: PartnershipSettingsInput!) {
  updatePartnershipSettings(guildId: $g, input: $input) { userErrors { code message field } } }"""
APPS = """query($g: Snowflake!) { guild(id: $g) { limits { pendingCount activeCount }
  applications(first: 10) { edges { node { id status source decidedBy partner { id name memberCount }
    partnership { id status trackedInviteCode joinCount showcase { channelId messageId threadId } } } } } } }"""
CREATE = """mutation($input: CreatePartnershipInput!) { createPartnership(input: $input) {
  partnership { id } userErrors { code message } } }"""


@dataclass
class Home:
    guild: Any
    review: Any
    showcase: Any
    category: Any
    forum: Any
    managers: Any
    contact: Any
    ping: Any
    rep: int
    staff: int
    member: int
    partner: Any


def build_home(fake: FakeDiscord, shard: int) -> Home:
    w = fake.world
    guild = w.add_guild("Home", shard=shard, shard_count=SHARDS, vanity_url_code="home")
    managers = w.add_role(guild, "partnership team")
    contact = w.add_role(guild, "partners")
    ping = w.add_role(guild, "review ping")
    home = Home(
        guild=guild,
        review=w.add_channel(guild, "partnership-requests"),
        showcase=w.add_channel(guild, "partners"),
        category=w.add_category(guild, "Partners"),
        forum=w.add_forum(guild, "partner-forum"),
        managers=managers,
        contact=contact,
        ping=ping,
        rep=w.add_member(guild, username="rep").user_id,
        staff=w.add_member(guild, username="staff", roles=[managers]).user_id,
        member=w.add_member(guild, username="someone").user_id,
        partner=w.add_guild("Partner Place", bot_in_guild=False, member_count=4321),
    )
    w.add_invite(home.partner, code=PARTNER_CODE)
    return home


async def configure(system: System, home: Home, node: PartnersBot, **extra: Any) -> None:
    values = {"reviewChannelId": str(home.review.id), "reviewPingRoleId": str(home.ping.id),
              "showcaseChannelId": str(home.showcase.id), "managerRoleIds": [str(home.managers.id)],
              "partnerContactRoleId": str(home.contact.id), "advertisement": "Our ad: come to Home!", **extra}  # fmt: skip
    result = await system.gql(SETTINGS, {"g": str(home.guild.id), "input": values}, guild=home.guild.id)
    assert result["updatePartnershipSettings"]["userErrors"] == []
    await eventually(lambda: node.configs.get(home.guild.id).review_channel_id == str(home.review.id), timeout=10)


def dms_from_bot(w: Any) -> list:
    return [m for m in w.messages.values() if m.guild_id is None and m.author_id == w.bot.id]


def bot_messages(fake: FakeDiscord, channel: Any) -> list:
    return [m for m in fake.world.messages_in(channel) if m.author_id == fake.world.bot.id]


async def test_apply_review_approve_and_every_showcase_mode(system: System) -> None:
    fake, w = system.fake, system.fake.world
    home = build_home(fake, shard=2)  # shard 2: node b's
    await system.start_node("a", "0-1")
    node_b = await system.start_node("b", "2-3")
    assert node_b.get_guild(home.guild.id) is not None and system.nodes["a"][0].get_guild(home.guild.id) is None
    await configure(system, home, node_b)

    # /ppartner apply -> the modal -> submitted with an ad full of mentions
    it = await fake.slash_command("ppartner", subcommand="apply", user=home.rep, guild=home.guild)
    assert (await it.wait_response())["type"] == 9
    ad = "Join Partner Place! @everyone @here <@&%d>" % home.managers.id
    await fake.modal_submit(it, {"invite": f"https://discord.gg/{PARTNER_CODE}", "advertisement": ad})

    async def apps() -> list[dict]:
        data = await system.gql(APPS, {"g": str(home.guild.id)}, guild=home.guild.id)
        return [e["node"] for e in data["guild"]["applications"]["edges"]]

    async def pending_app():
        found = await apps()
        return found if found and found[0]["status"] == "PENDING" else None

    (app,) = await eventually_async(pending_app)
    assert app["source"] == "SLASH" and app["partner"] == {"id": str(home.partner.id), "name": "Partner Place",
                                                            "memberCount": 4321}  # fmt: skip

    # the review post: an embed in the review channel pinging only the review role, with 👍 and 👎
    review = (await eventually(lambda: bot_messages(fake, home.review), timeout=10))[0]
    assert review.pings["roles"] == [home.ping.id] and not review.pings["everyone"] and not review.pings["users"]
    await eventually(lambda: len(review.reactions) == 2, timeout=10)

    # a plain member's 👍 is taken away and decides nothing
    await fake.reaction_add(review, home.member, "👍")
    await eventually(lambda: home.member not in review.reactions.get("👍", []), timeout=10)
    assert (await apps())[0]["status"] == "PENDING"

    # a manager's 👍 approves it
    await fake.reaction_add(review, home.staff, "👍")

    async def approved():
        found = (await apps())[0]
        p = found["partnership"]
        return found if found["status"] == "APPROVED" and p and p["showcase"] and p["trackedInviteCode"] else None

    app = await eventually_async(approved)
    assert app["decidedBy"] == str(home.staff)
    showcase_post = bot_messages(fake, home.showcase)[-1]
    assert str(showcase_post.id) == app["partnership"]["showcase"]["messageId"]
    assert "Join Partner Place!" in showcase_post.content and showcase_post.pings_nobody
    assert await eventually(lambda: "ACCEPTED" in str(w.messages[review.id].embeds), timeout=10)
    grant = fake.calls_to("PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}", guild_id=home.guild.id)
    assert [(c.params["user_id"], c.params["role_id"]) for c in grant] == [(home.rep, home.contact.id)]
    # our ad follows the tracked invite's creation, so it may land a moment after the invite is stored
    await eventually(lambda: any("Our ad: come to Home!" in m.content for m in dms_from_bot(w)), timeout=10)
    dms = dms_from_bot(w)
    assert any("Our ad: come to Home!" in m.content for m in dms) and any("accepted" in m.content for m in dms)
    assert all(m.pings_nobody for m in w.messages.values() if m.author_id == w.bot.id and m.id != review.id)

    # the two other showcase modes, through partners staff add by hand
    for mode, target, partner_id in (
        ("CHANNEL_PER_PARTNER", {"showcaseCategoryId": str(home.category.id)}, "1234500000000000001"),
        ("FORUM_PER_PARTNER", {"showcaseForumId": str(home.forum.id)}, "1234500000000000002"),
    ):
        await configure(system, home, node_b, channelMode=mode, **target)
        await eventually(lambda m=mode: node_b.configs.get(home.guild.id).channel_mode == m, timeout=10)
        name = f"Manual {mode.title()}"
        created = await system.gql(CREATE, {"input": {"guildId": str(home.guild.id), "partnerGuildId": partner_id,
                                                      "partnerName": name, "inviteCode": "manual", "representativeId":
                                                      str(home.member), "advertisement": f"{name} ad"}},
                                   guild=home.guild.id)  # fmt: skip
        assert created["createPartnership"]["userErrors"] == []
        if mode == "CHANNEL_PER_PARTNER":
            channel = await eventually(
                lambda: [c for c in w.guild_channels(home.guild) if c.parent_id == home.category.id], timeout=10
            )
            assert await eventually(lambda c=channel[0]: bot_messages(fake, c), timeout=10)
        else:
            threads = await eventually(
                lambda: [t for t in w.threads_of(home.guild) if t.parent_id == home.forum.id], timeout=10
            )
            assert threads[0].name == name


PARTNER = """query($id: ID!) { node(id: $id) { ... on Partnership { id trackedInviteCode advertisement
  showcase { messageId } problems { code } } } }"""
UPDATE = """mutation($id: ID!, $input: UpdatePartnershipInput!) { updatePartnership(id: $id, input: $input) {
  userErrors { code message } } }"""


async def test_the_tracked_invite_reaches_the_partner_is_made_again_when_deleted_and_edits_patch_the_post(
    system: System,
) -> None:
    fake, w = system.fake, system.fake.world
    home = build_home(fake, shard=0)
    node = await system.start_node("a", "0-3")
    ours = "A" * 1967 + "\nJoin us: {invite}\nSee you there!"  # 2,000 characters; the invite near the end
    assert len(ours) == 2000
    await configure(system, home, node, advertisement=ours)

    created = await system.gql(CREATE, {"input": {"guildId": str(home.guild.id), "partnerGuildId": str(home.partner.id),
                                                  "partnerName": "Partner Place", "inviteCode": PARTNER_CODE,
                                                  "representativeId": str(home.rep), "advertisement": "Their ad"}},
                               guild=home.guild.id)  # fmt: skip
    assert created["createPartnership"]["userErrors"] == []
    gid = created["createPartnership"]["partnership"]["id"]

    async def partnership() -> dict:
        return (await system.gql(PARTNER, {"id": gid}, guild=home.guild.id))["node"]

    first = await eventually_async(lambda: _with(partnership, lambda p: p["trackedInviteCode"] and p["showcase"]))
    code = first["trackedInviteCode"]
    assert w.invite(code).inviter_id == w.bot.id

    # our 2,000-character ad arrives whole, with the representative's tracked invite in it, after its header
    def ad_messages(invite_code: str) -> list[str] | None:
        dms = [m.content for m in w.dms_to(home.rep)]
        url = f"https://discord.gg/{invite_code}"
        for i, content in enumerate(dms):
            if content.startswith("A" * 100) and i + 1 < len(dms) and url in dms[i + 1]:
                return dms[i - 1 : i + 2]
        return None

    header, *ad = await eventually(lambda: ad_messages(code), timeout=10)
    assert header == "Here is our advertisement for your server:"
    assert "\n".join(ad) == ours.replace("{invite}", f"https://discord.gg/{code}")
    assert all(len(m.content) <= 2000 and m.pings_nobody for m in w.dms_to(home.rep))

    # staff delete the tracked invite in Discord: a new one is made, stored and sent
    await fake.invite_delete(code)
    second = await eventually_async(
        lambda: _with(partnership, lambda p: p["trackedInviteCode"] not in (None, code) and not p["problems"])
    )
    new_code = second["trackedInviteCode"]
    assert w.invite(new_code).inviter_id == w.bot.id
    await eventually(lambda: ad_messages(new_code), timeout=10)

    # an edit patches the showcase post in place
    posted = w.messages[int(first["showcase"]["messageId"])]
    edited = await system.gql(UPDATE, {"id": gid, "input": {"advertisement": "Their better ad"}}, guild=home.guild.id)
    assert edited["updatePartnership"]["userErrors"] == []
    await eventually(lambda: w.messages[posted.id].content == "Their better ad", timeout=10)
    patches = fake.calls_to("PATCH /channels/{channel_id}/messages/{message_id}", message_id=posted.id)
    assert len(patches) == 1 and len(bot_messages(fake, home.showcase)) == 1


async def _with(probe, condition):
    value = await probe()
    return value if condition(value) else None


async def test_a_command_for_a_stopped_node_waits_and_runs_when_it_is_back(system: System) -> None:
    fake = system.fake
    home = build_home(fake, shard=0)  # shard 0: node a's
    node_a = await system.start_node("a", "0-1")
    await system.start_node("b", "2-3")
    await configure(system, home, node_a)

    await system.stop_node("a")
    created = await system.gql(CREATE, {"input": {"guildId": str(home.guild.id), "partnerGuildId": "1234500000000000003",
                                                  "partnerName": "Waiting Room", "inviteCode": "waiting",
                                                  "representativeId": str(home.rep), "advertisement": "We waited."}},
                               guild=home.guild.id)  # fmt: skip
    assert created["createPartnership"]["userErrors"] == []
    # The point of the wait: for a second, while nobody owns shard 0, the command must not be carried out.
    await asyncio.sleep(1.0)
    assert bot_messages(fake, home.showcase) == []  # nobody owns shard 0 right now: the command waits

    await system.start_node("a2", "0-1")
    post = await eventually(lambda: bot_messages(fake, home.showcase), timeout=20)
    assert post[0].content.startswith("We waited.")


async def eventually_async(probe, timeout: float = 15.0):
    async with asyncio.timeout(timeout):
        while True:
            value = await probe()
            if value:
                return value
            await asyncio.sleep(0.1)


PARTNERSHIPS = """query($g: Snowflake!) { guild(id: $g) { partnerships(first: 10) { edges { node {
  id partner { name } trackedInviteCode joinCount retainedCount } } } } }"""


async def test_thirty_joins_through_partner_invites_the_vanity_and_unknown_paths_are_attributed_exactly(
    system: System,
) -> None:
    fake = system.fake
    home = build_home(fake, shard=3)  # node b's
    await system.start_node("a", "0-1")
    node_b = await system.start_node("b", "2-3")
    await configure(system, home, node_b, trackJoins=True)
    joins_cog = node_b.get_cog("Joins")
    await eventually(lambda: home.guild.id in joins_cog.snapshots, timeout=10)
    for n in range(2):
        created = await system.gql(CREATE, {"input": {"guildId": str(home.guild.id), "partnerGuildId": f"12345000000000000{n}0",
                                                      "partnerName": f"Partner {'AB'[n]}", "inviteCode": f"p{n}x",
                                                      "representativeId": str(home.rep), "advertisement": "ad"}},
                                   guild=home.guild.id)  # fmt: skip
        assert created["createPartnership"]["userErrors"] == []

    async def partnerships() -> dict[str, dict]:
        data = await system.gql(PARTNERSHIPS, {"g": str(home.guild.id)}, guild=home.guild.id)
        return {e["node"]["partner"]["name"]: e["node"] for e in data["guild"]["partnerships"]["edges"]}

    async def codes():
        found = await partnerships()
        return found if all(p["trackedInviteCode"] for p in found.values()) and len(found) == 2 else None

    tracked = await eventually_async(codes)  # the cluster made each partner's invite and reported it
    a, b = tracked["Partner A"]["trackedInviteCode"], tracked["Partner B"]["trackedInviteCode"]
    await eventually(lambda: {a, b} <= set(joins_cog.snapshots[home.guild.id].uses), timeout=10)

    async def at_once(paths: list[str | None]) -> None:
        await asyncio.gather(*(
            fake.member_join(home.guild, vanity=True) if p == "vanity" else fake.member_join(home.guild, invite=p)
            for p in paths
        ))  # fmt: skip

    async def joins_of() -> tuple[int, int]:
        found = await partnerships()
        return found["Partner A"]["joinCount"], found["Partner B"]["joinCount"]

    await at_once([a] * 8)
    await eventually_async(lambda: _equals(joins_of, (8, 0)))
    await at_once([b] * 7)
    await eventually_async(lambda: _equals(joins_of, (8, 7)))
    await at_once(["vanity"] * 6)
    await at_once([None] * 3)  # no invite count rises: unknown
    # Simultaneous rises of A, B and the vanity cannot be told apart: labelled AMBIGUOUS, never guessed.
    before = joins_cog.snapshots[home.guild.id].uses[a]
    await at_once([a, b, "vanity", None, a, "vanity"])
    await eventually(lambda: joins_cog.snapshots[home.guild.id].uses[a] == before + 2, timeout=10)

    async def all_thirty_reached_the_api() -> dict[str, float] | None:
        by_type = {dict(labels)["join_type"]: value for labels, value in
                   (await scrape(system.api.http, "partners_joins_attributed_total")).items()}  # fmt: skip
        return by_type if sum(by_type.values()) >= 30 else None

    # Every join has reached the API (it counts each by type as it takes it up); only the 15 through a
    # partner's invite were INVITE joins, so nothing else can be counted onto a partner.
    by_type = await eventually_async(all_thirty_reached_the_api)
    assert sum(by_type.values()) == 30 and by_type["INVITE"] == 15, by_type
    assert await joins_of() == (8, 7)
    final = await partnerships()
    assert (final["Partner A"]["retainedCount"], final["Partner B"]["retainedCount"]) == (8, 7)


async def _equals(probe, expected) -> bool:
    return await probe() == expected
