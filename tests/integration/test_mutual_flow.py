"""A mutual partnership end to end on the real broker: Alpha (shard 2, node b) and Beta (shard 0,
node a) both run the bot. Beta's representative applies to Alpha in Discord, Alpha's manager approves
with 👍; the API files the reverse request in Beta's queue (its review post lands in Beta's review
channel), Beta's manager approves with 👍, and Beta's showcase shows Alpha's ad with Alpha's tracked
invite. Both partnerships then read reciprocity YES. Then Beta ends its side: Alpha's partnership reads
NO with the NOT_RECIPROCATED problem and Alpha's staff are told in its log channel; once the grace
(healthGraceHours 0, its minimum) has passed, with autoEndUnhealthy on, the health deadline ends Alpha's
partnership: Beta's ad leaves Alpha's showcase and Alpha's staff are told."""

from __future__ import annotations

from typing import Any

import pytest

from api.scheduled_jobs import build_scheduler
from tests.fakediscord import eventually
from tests.integration.test_discord_flows import (  # noqa: F401
    SETTINGS,
    System,
    bot_messages,
    eventually_async,
    fake_discord,
    system,
)

QUEUE = """query($g: Snowflake!) { guild(id: $g) { applications(first: 10) { edges { node { id status source
  advertisement partner { id name inviteCode } partnership { id status endReason trackedInviteCode reciprocity
  health { status problems { issue } } } } } } } }"""
END = """mutation($id: ID!) { endPartnership(id: $id) { userErrors { code } } }"""


@pytest.fixture
def system_settings() -> dict[str, Any]:
    """The API's own scheduler looks for due work once at start and then not for an hour: the test runs
    its passes itself, so the grace end is not carried out before the test has seen the problem."""
    return {"scheduler_poll_seconds": 3600}


async def test_a_mutual_partnership_across_two_nodes(system: System) -> None:  # noqa: F811
    fake, w = system.fake, system.fake.world
    alpha = w.add_guild("Alpha", shard=2, shard_count=4, member_count=800)
    beta = w.add_guild("Beta", shard=0, shard_count=4, member_count=900)
    guilds = {}
    for guild in (alpha, beta):
        managers = w.add_role(guild, "partnership team")
        guilds[guild.id] = {
            "log": w.add_channel(guild, "partnership-log"),
            "review": w.add_channel(guild, "partnership-requests"),
            "showcase": w.add_channel(guild, "partners"),
            "staff": w.add_member(guild, username=f"staff-{guild.name}", roles=[managers]).user_id,
            "managers": managers,
        }
    rep = w.add_member(beta, username="beta-rep").user_id
    w.add_member(alpha, rep)
    w.add_invite(beta, code="betahome")
    await system.start_node("a", "0-1")
    await system.start_node("b", "2-3")
    for guild, ad in ((alpha, "Alpha: board games nightly! {invite}"), (beta, "Beta: books and tea")):
        g = guilds[guild.id]
        values = {"reviewChannelId": str(g["review"].id), "showcaseChannelId": str(g["showcase"].id),
                  "managerRoleIds": [str(g["managers"].id)], "advertisement": ad}  # fmt: skip
        if guild is alpha:  # Alpha's staff hear of their partnerships, and an unhealthy one ends at once
            values |= {"logChannelId": str(g["log"].id), "healthGraceHours": 0, "autoEndUnhealthy": True}
        result = await system.gql(SETTINGS, {"g": str(guild.id), "input": values}, guild=guild.id)
        assert result["updatePartnershipSettings"]["userErrors"] == []
    for name, guild in (("b", alpha), ("a", beta)):
        node = system.nodes[name][0]
        await eventually(lambda n=node, g=guild: n.configs.get(g.id) is not None, timeout=10)

    it = await fake.slash_command("ppartner", subcommand="apply", user=rep, guild=alpha)
    await it.wait_response()
    await fake.modal_submit(it, {"invite": "https://discord.gg/betahome", "advertisement": "Beta: books and tea"})
    alpha_review = (await eventually(lambda: bot_messages(fake, guilds[alpha.id]["review"]), timeout=15))[0]
    await eventually(lambda: len(alpha_review.reactions) == 2, timeout=10)
    await fake.reaction_add(alpha_review, guilds[alpha.id]["staff"], "👍")

    async def queue(guild) -> list[dict]:
        data = await system.gql(QUEUE, {"g": str(guild.id)}, guild=guild.id)
        return [e["node"] for e in data["guild"]["applications"]["edges"]]

    async def mutual_request():
        found = [a for a in await queue(beta) if a["source"] == "MUTUAL"]
        return found or None

    (request,) = await eventually_async(mutual_request)
    alpha_app = (await queue(alpha))[0]
    code = alpha_app["partnership"]["trackedInviteCode"]
    assert request["partner"] == {"id": str(alpha.id), "name": "Alpha", "inviteCode": code}
    assert request["advertisement"] == f"Alpha: board games nightly! https://discord.gg/{code}"
    assert alpha_app["partnership"]["reciprocity"] == "NO"

    beta_review = (await eventually(lambda: bot_messages(fake, guilds[beta.id]["review"]), timeout=15))[0]
    await eventually(lambda: len(beta_review.reactions) == 2, timeout=10)
    await fake.reaction_add(beta_review, guilds[beta.id]["staff"], "👍")
    posted = await eventually(
        lambda: [m for m in bot_messages(fake, guilds[beta.id]["showcase"]) if code in m.content], timeout=15
    )
    assert "Alpha: board games nightly!" in posted[0].content and posted[0].pings_nobody

    async def both_yes():
        sides = [(await queue(g))[0]["partnership"] for g in (alpha, beta)]
        return sides if all(s and s["reciprocity"] == "YES" for s in sides) else None

    _, beta_side = await eventually_async(both_yes)
    shown_at_alpha = await eventually(
        lambda: [m for m in bot_messages(fake, guilds[alpha.id]["showcase"]) if "Beta: books and tea" in m.content]
    )

    # Beta ends its side: Alpha reads NO, with the problem, and its staff are told.
    ended = await system.gql(END, {"id": beta_side["id"]}, guild=beta.id)
    assert ended["endPartnership"]["userErrors"] == []

    async def not_reciprocated():
        ours = (await queue(alpha))[0]["partnership"]
        issues = [x["issue"] for x in ours["health"]["problems"]]
        return ours if ours["reciprocity"] == "NO" and "NOT_RECIPROCATED" in issues else None

    ours = await eventually_async(not_reciprocated)
    assert ours["status"] == "ACTIVE" and ours["health"]["status"] == "FAILING"  # a grace of 0 has passed already
    told = await eventually(
        lambda: [m for m in bot_messages(fake, guilds[alpha.id]["log"]) if "no longer showcases" in m.content]
    )
    assert "Beta" in told[0].content and told[0].pings_nobody

    # The grace end is due: a scheduler pass ends Alpha's partnership.
    scheduler = build_scheduler(system.container)

    async def auto_ended():
        await scheduler.run_due()
        ours = (await queue(alpha))[0]["partnership"]
        return ours if ours["status"] == "ENDED" else None

    ours = await eventually_async(auto_ended)
    assert "NOT_RECIPROCATED" in ours["endReason"] and "Beta" in ours["endReason"]
    await eventually(lambda: shown_at_alpha[0] not in bot_messages(fake, guilds[alpha.id]["showcase"]))
    log = await eventually(lambda: [m for m in bot_messages(fake, guilds[alpha.id]["log"]) if "has ended" in m.content])
    assert "Beta" in log[-1].content and "NOT_RECIPROCATED" in log[-1].content
    assert all(m.pings_nobody for m in bot_messages(fake, guilds[alpha.id]["log"]))
