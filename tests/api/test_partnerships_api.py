"""Partners: added by hand, shown once the cluster posted them, bumped, ended."""

from __future__ import annotations

from tests.api.factories import GUILD, completed

CREATE = """mutation($input: CreatePartnershipInput!) { createPartnership(input: $input) {
  partnership { id status partner { id name memberCount inviteCode } advertisement application { source status } }
  userErrors { code message field } } }"""
BUMP = """mutation($id: ID!) { bumpPartnership(id: $id) { partnership { id lastBumpedAt nextBumpAt }
  userErrors { code message } } }"""
END = """mutation($id: ID!, $r: String) { endPartnership(id: $id, reason: $r) {
  partnership { id status endReason endedAt } userErrors { code message } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on Partnership { id status showcase { channelId messageId postedAt }
  showcaseError lastBumpedAt nextBumpAt trackedInviteCode problems { action code message } } } }"""


def _input(**over):
    base = {"guildId": str(GUILD), "partnerGuildId": "1234500000000000000", "partnerName": "Chess Club",
            "inviteCode": "https://discord.gg/chess", "representativeId": "1300000000000000001",
            "advertisement": "Play chess with us!", "memberCount": 11240}  # fmt: skip
    return {**base, **over}


async def test_manual_partner_lifecycle(api, container, commands):
    await container.guild_settings.update(GUILD, {"showcase_channel_id": 900, "bump_interval_days": 7})
    created = (await api.data(CREATE, {"input": _input()}))["createPartnership"]
    assert created["userErrors"] == []
    p = created["partnership"]
    assert p["partner"]["inviteCode"] == "chess" and p["application"] == {"source": "MANUAL", "status": "APPROVED"}

    # The cluster posts the ad and creates the tracked invite, and reports back.
    post = (await commands.wait_for("showcase.post"))[0]
    partnership_id = post.data["partnership_id"]
    bump_early = (await api.data(BUMP, {"id": p["id"]}))["bumpPartnership"]
    assert bump_early["userErrors"][0]["code"] == "BUMP_TOO_SOON"  # the first post is still on its way

    await container.command_outcomes.handle(
        completed(
            GUILD,
            "showcase.post",
            refs={"partnership_id": partnership_id},
            result={"channel_id": "900", "message_id": "901"},
        )
    )
    await container.command_outcomes.handle(
        completed(GUILD, "invite.create", refs={"partnership_id": partnership_id}, result={"code": "trk123"})
    )
    shown = (await api.data(NODE, {"id": p["id"]}))["node"]
    assert shown["showcase"]["messageId"] == "901" and shown["trackedInviteCode"] == "trk123"
    assert shown["lastBumpedAt"] is not None and shown["nextBumpAt"] > shown["lastBumpedAt"]

    too_soon = (await api.data(BUMP, {"id": p["id"]}))["bumpPartnership"]
    assert too_soon["userErrors"][0]["code"] == "BUMP_TOO_SOON"

    ended = (await api.data(END, {"id": p["id"], "r": "server closed"}))["endPartnership"]
    assert ended["userErrors"] == [] and ended["partnership"]["status"] == "ENDED"
    assert ended["partnership"]["endReason"] == "server closed"
    removal = (await commands.wait_for("showcase.remove"))[0]
    assert removal.data["placement"]["message_id"] == "901"
    assert (await api.data(END, {"id": p["id"]}))["endPartnership"]["userErrors"][0]["code"] == "INVALID_STATE"


async def test_failed_post_is_shown_and_does_not_use_up_the_bump(api, container, commands):
    await container.guild_settings.update(GUILD, {"showcase_channel_id": 900})
    p = (await api.data(CREATE, {"input": _input()}))["createPartnership"]["partnership"]
    post = (await commands.wait_for("showcase.post"))[0]
    await container.command_outcomes.handle(
        completed(
            GUILD,
            "showcase.post",
            ok=False,
            refs={"partnership_id": post.data["partnership_id"]},
            error_code="MISSING_PERMISSIONS",
            error="The bot cannot send messages in #partners.",
        )
    )
    node = (await api.data(NODE, {"id": p["id"]}))["node"]
    assert node["showcase"] is None and node["showcaseError"] == "The bot cannot send messages in #partners."
    assert node["problems"][0]["code"] == "MISSING_PERMISSIONS"
    bumped = (await api.data(BUMP, {"id": p["id"]}))["bumpPartnership"]
    assert bumped["userErrors"] == []
    assert len(await commands.wait_for("showcase.post", 2)) == 2


async def test_manual_partner_rules(api, container):
    await container.guild_settings.update(GUILD, {"max_active": 1})
    assert (await api.data(CREATE, {"input": _input()}))["createPartnership"]["userErrors"] == []
    dup = (await api.data(CREATE, {"input": _input()}))["createPartnership"]["userErrors"]
    assert dup[0]["code"] == "DUPLICATE" and dup[0]["field"] == ["input", "partnerGuildId"]
    full = (await api.data(CREATE, {"input": _input(partnerGuildId="1234500000000000001")}))["createPartnership"]
    assert full["userErrors"][0]["code"] == "ACTIVE_LIMIT_REACHED"
    bad = (await api.data(CREATE, {"input": _input(partnerGuildId="1234500000000000002", inviteCode="not an invite!",
                                                   advertisement=" ")}))["createPartnership"]  # fmt: skip
    assert {tuple(e["field"]) for e in bad["userErrors"]} <= {("input", "inviteCode"), ("input", "advertisement")}
    assert bad["partnership"] is None


async def test_an_ad_posted_after_the_partnership_ended_is_taken_down(api, container, commands):
    await container.guild_settings.update(GUILD, {"showcase_channel_id": 900})
    p = (await api.data(CREATE, {"input": _input()}))["createPartnership"]["partnership"]
    post = (await commands.wait_for("showcase.post"))[0]
    assert (await api.data(END, {"id": p["id"]}))["endPartnership"]["userErrors"] == []
    assert commands.of("showcase.remove") == []  # nothing was posted yet
    await container.command_outcomes.handle(
        completed(
            GUILD,
            "showcase.post",
            refs={"partnership_id": post.data["partnership_id"]},
            result={"channel_id": "900", "message_id": "955"},
        )
    )
    removal = (await commands.wait_for("showcase.remove"))[0]
    assert removal.data["placement"]["message_id"] == "955"
    assert (await api.data(NODE, {"id": p["id"]}))["node"]["status"] == "ENDED"
