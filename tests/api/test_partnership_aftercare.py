"""After approval: our advertisement reaches the representative with their tracked invite, a deleted
tracked invite is made again and sent, and updatePartnership edits an active partnership in place."""

from __future__ import annotations

import asyncio

from api.domain.advertising import TRACKED_INVITE_DELETED
from bus import Envelope
from tests.api.factories import GUILD, OTHER_GUILD, completed

CREATE = """mutation($input: CreatePartnershipInput!) { createPartnership(input: $input) {
  partnership { id } userErrors { code message field } } }"""
UPDATE = """mutation($id: ID!, $input: UpdatePartnershipInput!) { updatePartnership(id: $id, input: $input) {
  partnership { id status advertisement representativeId partner { name inviteCode } }
  userErrors { code message field } } }"""
END = """mutation($id: ID!) { endPartnership(id: $id) { userErrors { code } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on Partnership { id advertisement representativeId
  trackedInviteCode partner { name inviteCode } problems { action code message } } } }"""
HEALTH = """query($id: ID!) { node(id: $id) { ... on Partnership { health { status problems { issue since } } } } }"""
AUDIT = """query($g: Snowflake!) { guild(id: $g) { auditLog(first: 10) { edges { node { action before after } } } } }"""
QUEUE_SUB = """subscription($g: Snowflake!) { partnershipQueue(guildId: $g) { type partnership { id } } }"""

REP, NEW_REP = "1300000000000000001", "1300000000000000002"


def _input(**over):
    base = {"guildId": str(GUILD), "partnerGuildId": "1234500000000000000", "partnerName": "Chess Club",
            "inviteCode": "chess", "representativeId": REP, "advertisement": "Play chess with us!"}  # fmt: skip
    return {**base, **over}


def texts(dm: Envelope) -> list[str]:
    return [dm.data["content"], *dm.data.get("messages", [])]


async def start(api, container, commands, **settings) -> tuple[str, str]:
    """An active manual partnership (global id, record id) whose showcase post is up."""
    await container.guild_settings.update(
        GUILD, {"showcase_channel_id": 900, "partner_contact_role_id": 333, **settings}
    )
    created = (await api.data(CREATE, {"input": _input()}))["createPartnership"]
    assert created["userErrors"] == []
    post = (await commands.wait_for("showcase.post"))[0]
    pid = post.data["partnership_id"]
    await container.command_outcomes.handle(
        completed(
            GUILD, "showcase.post", refs={"partnership_id": pid}, result={"channel_id": "900", "message_id": "901"}
        )
    )
    return created["partnership"]["id"], pid


async def invite_made(container, pid: str, code: str) -> None:
    await container.command_outcomes.handle(
        completed(GUILD, "invite.create", refs={"partnership_id": pid}, result={"code": code})
    )


def invite_deleted(guild_id: int, code: str) -> Envelope:
    return Envelope.new("invite.deleted", guild_id, {"code": code, "channel_id": "900"})


# ---- our advertisement carries the tracked invite -------------------------------------------------------------


async def test_our_ad_is_sent_once_the_tracked_invite_exists_with_the_invite_in_it(api, container, commands):
    _, pid = await start(api, container, commands, advertisement="Chess fans, join us: {invite} (all welcome)")
    await commands.wait_for("invite.create")
    assert commands.of("dm.send") == []  # no ad before its invite exists

    await invite_made(container, pid, "trk1")
    (dm,) = await commands.wait_for("dm.send")
    assert dm.data["user_id"] == REP and dm.data["refs"]["partnership_id"] == pid
    header, ad = texts(dm)
    assert header == "Here is our advertisement for your server:"
    assert ad == "Chess fans, join us: https://discord.gg/trk1 (all welcome)"

    await invite_made(container, pid, "trk1")  # a redelivered completion sends nothing twice
    await asyncio.sleep(0.1)
    assert len(commands.of("dm.send")) == 1


async def test_an_ad_without_the_placeholder_gets_the_invite_on_its_own_line(api, container, commands):
    _, pid = await start(api, container, commands, advertisement="Chess fans, join us!")
    await invite_made(container, pid, "trk1")
    (dm,) = await commands.wait_for("dm.send")
    assert texts(dm)[1] == "Chess fans, join us!\nhttps://discord.gg/trk1"


async def test_a_2000_character_ad_is_sent_whole_beside_its_header(api, container, commands):
    ad = "x" * 1980 + " {invite}"
    _, pid = await start(api, container, commands, advertisement=ad[:2000])
    await invite_made(container, pid, "trk1")
    (dm,) = await commands.wait_for("dm.send")
    assert texts(dm)[1] == "x" * 1980 + " https://discord.gg/trk1"  # nothing clipped, nothing merged into the header


# ---- a deleted tracked invite is made again -----------------------------------------------------------------


async def test_a_deleted_tracked_invite_is_made_again_stored_and_sent(api, container, worker, commands):
    gid, pid = await start(api, container, commands, advertisement="Our ad {invite}")
    await invite_made(container, pid, "trk1")
    await commands.wait_for("dm.send")

    await worker.handle(invite_deleted(OTHER_GUILD, "trk1"))  # the same code in another guild is not ours
    await worker.handle(invite_deleted(GUILD, "someone-elses"))
    await worker.handle(invite_deleted(GUILD, "trk1"))
    await worker.handle(invite_deleted(GUILD, "trk1"))  # redelivered: one new invite only
    remade = await commands.wait_for("invite.create", 2)
    await asyncio.sleep(0.1)
    assert len(commands.of("invite.create")) == 2 and remade[1].data["partnership_id"] == pid
    shown = (await api.data(NODE, {"id": gid}))["node"]
    assert [p["code"] for p in shown["problems"]] == [TRACKED_INVITE_DELETED]
    health = (await api.data(HEALTH, {"id": gid}))["node"]["health"]  # the health model shows it too
    assert health["status"] == "AT_RISK" and [p["issue"] for p in health["problems"]] == [TRACKED_INVITE_DELETED]

    await invite_made(container, pid, "trk2")
    dms = await commands.wait_for("dm.send", 2)
    assert texts(dms[1])[1] == "Our ad https://discord.gg/trk2" and dms[1].data["user_id"] == REP
    shown = (await api.data(NODE, {"id": gid}))["node"]
    assert shown["trackedInviteCode"] == "trk2" and shown["problems"] == []
    assert (await api.data(HEALTH, {"id": gid}))["node"]["health"] == {"status": "OK", "problems": []}


async def test_a_deleted_invite_of_an_ended_partnership_is_not_made_again(api, container, worker, commands):
    gid, pid = await start(api, container, commands)
    await invite_made(container, pid, "trk1")
    assert (await api.data(END, {"id": gid}))["endPartnership"]["userErrors"] == []
    await worker.handle(invite_deleted(GUILD, "trk1"))
    await asyncio.sleep(0.1)
    assert len(commands.of("invite.create")) == 1


# ---- updatePartnership ----------------------------------------------------------------------------------------


async def test_update_edits_the_post_in_place_and_tells_the_representative(api, container, commands):
    gid, _ = await start(api, container, commands)
    async with api.subscription(QUEUE_SUB, {"g": str(GUILD)}) as next_message:
        result = (
            await api.data(
                UPDATE,
                {"id": gid, "input": {"advertisement": "Chess, now with puzzles", "partnerName": "Chess Society",
                                      "inviteCode": "https://discord.gg/chess2"}},
            )
        )["updatePartnership"]  # fmt: skip
        assert result["userErrors"] == []
        event = (await next_message())["payload"]["data"]["partnershipQueue"]
        assert event == {"type": "PARTNERSHIP_UPDATED", "partnership": {"id": gid}}
    p = result["partnership"]
    assert p["advertisement"] == "Chess, now with puzzles" and p["partner"] == {
        "name": "Chess Society",
        "inviteCode": "chess2",
    }

    (edit,) = await commands.wait_for("showcase.edit")
    assert edit.data["placement"]["message_id"] == "901" and edit.data["advertisement"] == "Chess, now with puzzles"
    assert edit.data["partner"]["name"] == "Chess Society" and edit.data["partner"]["invite_code"] == "chess2"
    assert len(commands.of("showcase.post")) == 1  # never re-posted
    told = [dm for dm in commands.of("dm.send") if "updated" in dm.data["content"]]
    assert [dm.data["user_id"] for dm in told] == [REP]

    audit = (await api.data(AUDIT, {"g": str(GUILD)}))["guild"]["auditLog"]["edges"][0]["node"]
    assert audit["action"] == "partnership.update"
    assert audit["before"]["partner_name"] == "Chess Club" and audit["after"]["partner_name"] == "Chess Society"


async def test_a_new_representative_gets_the_contact_role_and_both_are_told(api, container, commands):
    gid, pid = await start(api, container, commands, advertisement="Our ad")
    await invite_made(container, pid, "trk1")
    await commands.wait_for("dm.send")
    result = (await api.data(UPDATE, {"id": gid, "input": {"representativeId": NEW_REP}}))["updatePartnership"]
    assert result["userErrors"] == [] and result["partnership"]["representativeId"] == NEW_REP

    (revoke,) = await commands.wait_for("role.revoke")
    grants = await commands.wait_for("role.grant", 2)
    assert (revoke.data["user_id"], revoke.data["role_id"]) == (REP, "333")
    assert (grants[-1].data["user_id"], grants[-1].data["role_id"]) == (NEW_REP, "333")
    dms = await commands.wait_for("dm.send", 4)
    to_old = [texts(d) for d in dms if d.data["user_id"] == REP][1:]
    to_new = [texts(d) for d in dms if d.data["user_id"] == NEW_REP]
    assert any("no longer the representative" in t[0] for t in to_old)
    assert any("now the representative" in t[0] for t in to_new)
    assert any(t[1:] == ["Our ad\nhttps://discord.gg/trk1"] for t in to_new)  # our ad, for the new representative
    assert commands.of("showcase.edit") == []  # nothing shown changed
    assert (await container.writer.load(GUILD)).active[pid].representative_id == int(NEW_REP)


async def test_bad_updates_are_typed_errors_and_change_nothing(api, container, commands):
    gid, _ = await start(api, container, commands)
    before = (await api.data(NODE, {"id": gid}))["node"]

    too_long = (await api.data(UPDATE, {"id": gid, "input": {"advertisement": "a" * 2001}}))["updatePartnership"]
    assert [(e["code"], e["field"]) for e in too_long["userErrors"]] == [("VALIDATION", ["input", "advertisement"])]
    bad_invite = (await api.data(UPDATE, {"id": gid, "input": {"inviteCode": "not an invite!"}}))["updatePartnership"]
    assert bad_invite["userErrors"][0]["field"] == ["input", "inviteCode"]
    malformed = (await api.data(UPDATE, {"id": "not-an-id", "input": {"partnerName": "X"}}))["updatePartnership"]
    assert malformed["userErrors"][0]["code"] == "NOT_FOUND" and malformed["partnership"] is None
    assert (await api.data(NODE, {"id": gid}))["node"] == before

    assert (await api.data(END, {"id": gid}))["endPartnership"]["userErrors"] == []
    for change in ({"partnerName": "Renamed"}, {}):
        refused = (await api.data(UPDATE, {"id": gid, "input": change}))["updatePartnership"]
        assert refused["userErrors"][0]["code"] == "INVALID_STATE"
    after = (await api.data(NODE, {"id": gid}))["node"]
    assert after["partner"] == before["partner"] and after["advertisement"] == before["advertisement"]
    assert commands.of("showcase.edit") == []


# ---- a manual partner is checked right away -------------------------------------------------------------------

# What a check finds is the partnership's health (HealthService owns every partner.check answer).
CHECKED = """query($id: ID!) { node(id: $id) { ... on Partnership {
  partner { id name iconUrl memberCount inviteCode } health { problems { issue message } } } } }"""


async def checked(container, pid: str, **result) -> None:
    await container.command_outcomes.handle(
        completed(GUILD, "partner.check", refs={"partnership_id": pid}, result=result)
    )


async def test_a_manual_partner_takes_discords_name_icon_and_member_count(api, container, commands):
    gid, pid = await start(api, container, commands)
    (check,) = await commands.wait_for("partner.check")
    assert check.data == {"partnership_id": pid, "invite_code": "chess"}

    await checked(container, pid, resolved=True, guild_id="1234500000000000000", name="Chess Club Official",
                  icon_url="https://cdn.discordapp.com/icons/1/a.png", member_count=4321)  # fmt: skip
    shown = (await api.data(CHECKED, {"id": gid}))["node"]
    assert shown["partner"] == {"id": "1234500000000000000", "name": "Chess Club Official",
                                "iconUrl": "https://cdn.discordapp.com/icons/1/a.png", "memberCount": 4321,
                                "inviteCode": "chess"}  # fmt: skip
    assert shown["health"]["problems"] == []


async def test_an_invite_to_another_server_is_a_partner_server_gone_problem(api, container, commands):
    gid, pid = await start(api, container, commands)
    await checked(container, pid, resolved=True, guild_id="999", name="Somewhere Else", icon_url=None, member_count=5)
    await checked(container, pid, resolved=True, guild_id="999", name="Somewhere Else", icon_url=None, member_count=5)
    shown = (await api.data(CHECKED, {"id": gid}))["node"]
    assert shown["partner"]["name"] == "Chess Club"  # not silently replaced by the other server
    assert [p["issue"] for p in shown["health"]["problems"]] == ["PARTNER_SERVER_GONE"]  # once

    edited = (await api.data(UPDATE, {"id": gid, "input": {"inviteCode": "chess-new"}}))["updatePartnership"]
    assert edited["userErrors"] == []
    recheck = await commands.wait_for("partner.check", 2)
    assert recheck[1].data["invite_code"] == "chess-new"  # a new invite is checked too
    await checked(container, pid, resolved=True, guild_id="1234500000000000000", name="Chess Club", icon_url=None,
                  member_count=100)  # fmt: skip
    assert (await api.data(CHECKED, {"id": gid}))["node"]["health"]["problems"] == []


async def test_an_invite_that_does_not_resolve_is_a_partner_invite_invalid_problem(api, container, commands):
    gid, pid = await start(api, container, commands)
    await checked(container, pid, resolved=False, guild_id=None, name=None, icon_url=None, member_count=None)
    shown = (await api.data(CHECKED, {"id": gid}))["node"]
    assert [p["issue"] for p in shown["health"]["problems"]] == ["PARTNER_INVITE_INVALID"]
    assert shown["partner"]["name"] == "Chess Club"
