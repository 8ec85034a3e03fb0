"""The CONFIRM flow and review by buttons through the whole system (the API, two cluster nodes on the
real broker, the fake Discord): the representative's Continue, clicked after the node holding the DM
shard restarted, is what exchanges the ads; a reviewer's Deny form reaches the applicant."""

from __future__ import annotations

from typing import Any

from tests.fakediscord import FakeDiscord, eventually
from tests.fakediscord.fixtures import fake_discord  # noqa: F401 (the fixture `system` needs)
from tests.integration.test_discord_flows import (
    APPS,
    PARTNER_CODE,
    Home,
    System,
    bot_messages,
    build_home,
    configure,
    eventually_async,
    system,  # noqa: F401 (the fixture)
)

EPHEMERAL = 1 << 6


async def apply(sys_: System, home: Home) -> dict:
    fake = sys_.fake
    it = await fake.slash_command("ppartner", subcommand="apply", user=home.rep, guild=home.guild)
    assert (await it.wait_response())["type"] == 9
    await fake.modal_submit(it, {"invite": f"https://discord.gg/{PARTNER_CODE}", "advertisement": "Partner ad"})

    async def pending():
        found = await apps(sys_, home)
        return found[0] if found and found[0]["status"] == "PENDING" else None

    return await eventually_async(pending)


async def apps(sys_: System, home: Home) -> list[dict]:
    data = await sys_.gql(APPS, {"g": str(home.guild.id)}, guild=home.guild.id)
    return [e["node"] for e in data["guild"]["applications"]["edges"]]


async def followup_text(fake: FakeDiscord, click: Any) -> str:
    ids = await eventually(lambda: click.followup_ids, timeout=15)
    return fake.world.messages[ids[0]].content


async def test_continue_after_a_restart_exchanges_the_ads(system: System) -> None:  # noqa: F811
    fake, w = system.fake, system.fake.world
    home = build_home(fake, shard=2)  # the guild on node b; DMs arrive on shard 0, node a
    await system.start_node("a", "0-1")
    node_b = await system.start_node("b", "2-3")
    log = w.add_channel(home.guild, "partner-log")
    await configure(system, home, node_b, approvalFlow="CONFIRM", confirmHours=24, logChannelId=str(log.id))
    await apply(system, home)
    review = (await eventually(lambda: bot_messages(fake, home.review), timeout=10))[0]
    await eventually(lambda: len(review.reactions) == 2, timeout=10)
    await fake.reaction_add(review, home.staff, "👍")

    async def offered():
        p = (await apps(system, home))[0]["partnership"]
        return p if p and p["status"] == "AWAITING_PARTNER" else None

    await eventually_async(offered)
    offer = (await eventually(lambda: [m for m in w.dms_to(home.rep) if m.components], timeout=15))[0]
    assert "**Home** accepted your partnership request for **Partner Place**" in offer.content
    assert bot_messages(fake, home.showcase) == []  # nothing exchanged before the answer
    assert not any("Our ad" in m.content for m in w.dms_to(home.rep))

    await system.stop_node("a")  # the node that would get the click restarts
    await system.start_node("a2", "0-1")

    stranger = await fake.button_click(offer, offer.buttons["Continue"], user=home.member)
    refused = await stranger.wait_response()
    assert refused["type"] == 4 and refused["data"]["flags"] & EPHEMERAL

    click = await fake.button_click(offer, offer.buttons["Continue"], user=home.rep)
    assert (await click.wait_response())["type"] == 5
    assert (await followup_text(fake, click)).startswith("Thanks! The partnership is on")

    async def active():
        p = (await apps(system, home))[0]["partnership"]
        return p if p["status"] == "ACTIVE" and p["showcase"] and p["trackedInviteCode"] else None

    partnership = await eventually_async(active)
    post = bot_messages(fake, home.showcase)[-1]
    assert str(post.id) == partnership["showcase"]["messageId"] and post.content.startswith("Partner ad")
    ours = await eventually(lambda: [m for m in w.dms_to(home.rep) if "Our ad" in m.content], timeout=15)
    assert ours[0].pings_nobody
    told = await eventually(lambda: bot_messages(fake, log), timeout=15)
    assert "confirmed" in told[0].content and told[0].pings_nobody


async def test_a_reviewers_deny_form_reaches_the_applicant(system: System) -> None:  # noqa: F811
    fake, w = system.fake, system.fake.world
    home = build_home(fake, shard=0)
    node_a = await system.start_node("a", "0-1")
    await system.start_node("b", "2-3")
    await configure(system, home, node_a, reviewStyle="BUTTONS")
    await apply(system, home)
    review = (await eventually(lambda: [m for m in bot_messages(fake, home.review) if m.components], timeout=10))[0]
    assert review.reactions == {}

    nope = await fake.button_click(review, review.buttons["Deny"], user=home.member)
    assert (await nope.wait_response())["data"]["content"].startswith("Only partnership managers")
    assert (await apps(system, home))[0]["status"] == "PENDING"

    click = await fake.button_click(review, review.buttons["Deny"], user=home.staff)
    await click.wait_response()
    submit = await fake.modal_submit(click, {"reason": "Your server is too new for us"})
    assert (await followup_text(fake, submit)).startswith("Denied **Partner Place**")

    async def denied():
        app = (await apps(system, home))[0]
        return app if app["status"] == "DENIED" else None

    app = await eventually_async(denied)
    assert app["decidedBy"] == str(home.staff)
    told = await eventually(lambda: [m for m in w.dms_to(home.rep) if "too new" in m.content], timeout=15)
    assert "Reason: Your server is too new for us" in told[0].content
    await eventually(lambda: w.messages[review.id].components == [], timeout=15)
