"""The audit log: every staff action and automatic decision, readable by editors only."""

from __future__ import annotations

from tests.api.factories import GUILD, submitted

LOG = """query($g: Snowflake!, $first: Int, $after: String) { guild(id: $g) { auditLog(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { at actorId action targetId before after reason } } } } }"""
APPS = "query($g: Snowflake!) { guild(id: $g) { applications { edges { node { id status } } } } }"


async def test_staff_actions_and_automatic_decisions_are_recorded(api, worker, container):
    await api.data(
        "mutation($g: Snowflake!) { updatePartnershipSettings(guildId: $g, input: {maxActive: 5, applicationCooldownHours: 0}) { userErrors { code } } }",
        {"g": str(GUILD)},
    )
    await worker.handle(submitted(partner_id=1234567890123456789))
    app_id = (await api.data(APPS, {"g": str(GUILD)}))["guild"]["applications"]["edges"][0]["node"]["id"]
    await api.data(
        'mutation($id: ID!) { denyApplication(id: $id, reason: "spam", blacklist: true) { userErrors { code } } }',
        {"id": app_id},
    )
    await worker.handle(submitted(partner_id=1234567890123456789))  # auto-denied: blacklisted

    entries = [e["node"] for e in (await api.data(LOG, {"g": str(GUILD)}))["guild"]["auditLog"]["edges"]]
    assert [e["action"] for e in entries] == ["application.auto_deny", "application.deny", "settings.update"]
    auto, deny, settings = entries
    assert auto["actorId"] is None and auto["reason"] == "blacklisted"
    assert deny["actorId"] == "4242" and deny["targetId"] == app_id and deny["reason"] == "spam"
    assert deny["before"] == {"status": "PENDING"} and deny["after"] == {"status": "DENIED", "blacklisted": True}
    assert settings["before"] == {"maxActive": 0, "applicationCooldownHours": 24}
    assert settings["after"] == {"maxActive": 5, "applicationCooldownHours": 0}


async def test_a_refused_action_leaves_no_entry_and_viewers_cannot_read_the_log(api):
    bad = "mutation($g: Snowflake!) { updatePartnershipSettings(guildId: $g, input: {maxActive: 500}) { userErrors { code } } }"
    assert (await api.data(bad, {"g": str(GUILD)}))["updatePartnershipSettings"]["userErrors"]
    assert (await api.data(LOG, {"g": str(GUILD)}))["guild"]["auditLog"]["totalCount"] == 0
    body = await api.post(LOG, {"g": str(GUILD)}, token=api.viewer())
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_log_pages_newest_first(api, container):
    for n in range(5):
        await container.blacklist.add(GUILD, 1000000000000000000 + n, f"r{n}", actor=7)
    first = (await api.data(LOG, {"g": str(GUILD), "first": 3}))["guild"]["auditLog"]
    rest = (await api.data(LOG, {"g": str(GUILD), "first": 3, "after": first["pageInfo"]["endCursor"]}))["guild"][
        "auditLog"
    ]
    reasons = [e["node"]["reason"] for e in first["edges"] + rest["edges"]]
    assert reasons == ["r4", "r3", "r2", "r1", "r0"] and not rest["pageInfo"]["hasNextPage"]


async def test_partner_lifecycle_is_recorded(api, container):
    await container.guild_settings.update(GUILD, {"showcase_channel_id": 5})
    create = """mutation($input: CreatePartnershipInput!) { createPartnership(input: $input) { partnership { id } } }"""
    pid = (
        await api.data(
            create,
            {"input": {"guildId": str(GUILD), "partnerGuildId": "1234500000000000000", "partnerName": "Chess",
                       "inviteCode": "chess", "representativeId": "1300000000000000001", "advertisement": "ad"}},
        )
    )["createPartnership"]["partnership"]["id"]  # fmt: skip
    await api.data(
        'mutation($id: ID!) { endPartnership(id: $id, reason: "closed") { userErrors { code } } }', {"id": pid}
    )
    entries = [e["node"] for e in (await api.data(LOG, {"g": str(GUILD)}))["guild"]["auditLog"]["edges"]]
    assert [(e["action"], e["targetId"], e["reason"]) for e in entries[:2]] == [
        ("partnership.end", pid, "closed"),
        ("partnership.create", pid, None),
    ]
