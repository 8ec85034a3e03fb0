"""Approving and denying from the dashboard, and what that sends to Discord."""

from __future__ import annotations

from api.auth import VIEW
from tests.api.factories import GUILD, OTHER_GUILD, completed, submitted

APPROVE = """mutation($id: ID!) { approveApplication(id: $id) {
  application { id status decidedBy decidedAt partnership { id status partner { name } } }
  partnership { id status startedAt representativeId nextBumpAt }
  userErrors { code message field } } }"""
DENY = """mutation($id: ID!, $reason: String, $blacklist: Boolean) {
  denyApplication(id: $id, reason: $reason, blacklist: $blacklist) {
    application { id status reason decidedBy } userErrors { code message field } } }"""
STATE = """query($g: Snowflake!) { guild(id: $g) {
  limits { pendingCount activeCount blacklistCount }
  applications(first: 50) { edges { node { id status reason decidedBy partner { id } } } }
  partnerships { totalCount edges { node { id status } } }
  blacklist { totalCount edges { node { partnerGuildId reason addedBy addedAt } } } } }"""


async def test_approve_creates_an_active_partnership_and_its_discord_effects(api, worker, commands, container):
    await container.guild_settings.update(
        GUILD,
        {
            "showcase_channel_id": 111,
            "review_channel_id": 222,
            "partner_contact_role_id": 333,
            "advertisement": "Our ad",
        },
    )
    await worker.handle(submitted(name="Lo-fi Lounge"))
    app_id = (await api.data(STATE, {"g": str(GUILD)}))["guild"]["applications"]["edges"][0]["node"]["id"]

    result = (await api.data(APPROVE, {"id": app_id}))["approveApplication"]
    assert result["userErrors"] == []
    assert result["application"]["status"] == "APPROVED"
    assert result["application"]["decidedBy"] == "4242"
    assert result["partnership"]["status"] == "ACTIVE"
    assert result["application"]["partnership"]["id"] == result["partnership"]["id"]

    state = (await api.data(STATE, {"g": str(GUILD)}))["guild"]
    assert state["limits"] == {"pendingCount": 0, "activeCount": 1, "blacklistCount": 0}
    assert state["partnerships"]["totalCount"] == 1

    await commands.wait_for("dm.send", 2)
    showcase = (await commands.wait_for("showcase.post"))[0]
    assert showcase.data["target_id"] == "111" and showcase.data["channel_mode"] == "SINGLE_CHANNEL"
    invite = (await commands.wait_for("invite.create"))[0]
    assert invite.data["partnership_id"]
    grant = (await commands.wait_for("role.grant"))[0]
    assert grant.data["role_id"] == "333"
    # Our ad carries the tracked invite, so it is sent once the invite exists.
    refs = {"partnership_id": invite.data["partnership_id"]}
    await worker.handle(completed(GUILD, "invite.create", refs=refs, result={"code": "trk123"}))
    await commands.wait_for("dm.send", 3)
    dms = ["\n".join([c.data["content"], *c.data.get("messages", [])]) for c in commands.of("dm.send")]
    assert any("Our ad" in dm for dm in dms) and any("accepted" in dm for dm in dms)
    assert any("Our ad\nhttps://discord.gg/trk123" in dm for dm in dms)

    again = (await api.data(APPROVE, {"id": app_id}))["approveApplication"]
    assert again["userErrors"][0]["code"] == "INVALID_STATE"
    assert (await api.data(STATE, {"g": str(GUILD)}))["guild"]["limits"]["activeCount"] == 1


async def test_deny_with_blacklist_auto_denies_the_next_application(api, worker, container):
    partner = 1234567890123456789
    await container.guild_settings.update(GUILD, {"application_cooldown_hours": 0})
    await worker.handle(submitted(partner_id=partner, name="Spam Central"))
    app_id = (await api.data(STATE, {"g": str(GUILD)}))["guild"]["applications"]["edges"][0]["node"]["id"]
    denied = (await api.data(DENY, {"id": app_id, "reason": "ad spam", "blacklist": True}))["denyApplication"]
    assert denied["userErrors"] == [] and denied["application"]["status"] == "DENIED"
    assert denied["application"]["reason"] == "ad spam"

    state = (await api.data(STATE, {"g": str(GUILD)}))["guild"]
    assert state["blacklist"]["totalCount"] == 1
    entry = state["blacklist"]["edges"][0]["node"]
    assert entry["partnerGuildId"] == str(partner) and entry["reason"] == "ad spam" and entry["addedBy"] == "4242"

    await worker.handle(submitted(partner_id=partner, name="Spam Central"))
    apps = (await api.data(STATE, {"g": str(GUILD)}))["guild"]["applications"]["edges"]
    retry = apps[-1]["node"]
    assert (retry["status"], retry["reason"], retry["decidedBy"]) == ("DENIED", "blacklisted", None)
    assert (await api.data(STATE, {"g": str(GUILD)}))["guild"]["limits"]["pendingCount"] == 0


async def test_other_guilds_application_is_absent_and_unchanged(api, worker):
    await worker.handle(submitted(guild_id=OTHER_GUILD))
    other_token = api.editor(OTHER_GUILD)
    other_id = (await api.data(STATE, {"g": str(OTHER_GUILD)}, token=other_token))["guild"]["applications"]["edges"][0][
        "node"
    ]["id"]

    result = (await api.data(APPROVE, {"id": other_id}))["approveApplication"]  # editor of GUILD only
    assert result["userErrors"][0]["code"] == "NOT_FOUND" and result["application"] is None
    node = await api.data("query($id: ID!) { node(id: $id) { id } }", {"id": other_id})
    assert node["node"] is None
    still = (await api.data(STATE, {"g": str(OTHER_GUILD)}, token=other_token))["guild"]["applications"]["edges"][0]
    assert still["node"]["status"] == "PENDING"


async def test_viewer_cannot_decide(api, worker):
    await worker.handle(submitted())
    app_id = (await api.data(STATE, {"g": str(GUILD)}))["guild"]["applications"]["edges"][0]["node"]["id"]
    body = await api.post(APPROVE, {"id": app_id}, token=api.token({GUILD: [VIEW]}))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await api.data(STATE, {"g": str(GUILD)}))["guild"]["limits"]["pendingCount"] == 1


async def test_unknown_and_malformed_ids_are_not_found(api):
    for bad in ("nonsense", "QXBwbGljYXRpb246bm9wZQ", ""):
        result = (await api.data(APPROVE, {"id": bad}))["approveApplication"]
        assert result["userErrors"][0]["code"] == "NOT_FOUND"
