"""Settings through GraphQL: valid updates, every problem reported next to its field, nothing half-applied."""

from __future__ import annotations

from tests.api.factories import GUILD

UPDATE = """mutation($g: Snowflake!, $input: PartnershipSettingsInput!) {
  updatePartnershipSettings(guildId: $g, input: $input) {
    settings { applicationMode channelMode showcaseForumId managerRoleIds minPartnerMemberCount maxActive advertisement }
    userErrors { code message field } } }"""
READ = """query($g: Snowflake!) { guild(id: $g) { settings { applicationMode channelMode showcaseChannelId
  showcaseForumId managerRoleIds viewerRoleIds minPartnerMemberCount applicationCooldownHours maxActive
  bumpIntervalDays trackJoins advertisement } limits { activeMax } } }"""


async def test_defaults_then_a_valid_update(api, commands):
    before = (await api.data(READ, {"g": str(GUILD)}))["guild"]["settings"]
    assert before["applicationMode"] == "SLASH" and before["applicationCooldownHours"] == 24
    assert before["maxActive"] == 0 and before["managerRoleIds"] == []

    payload = (
        await api.data(
            UPDATE,
            {
                "g": str(GUILD),
                "input": {
                    "channelMode": "FORUM_PER_PARTNER",
                    "showcaseForumId": "555",
                    "managerRoleIds": ["10", "11", "10"],
                    "maxActive": 3,
                },
            },
        )
    )["updatePartnershipSettings"]
    assert payload["userErrors"] == []
    assert payload["settings"]["channelMode"] == "FORUM_PER_PARTNER"
    assert payload["settings"]["managerRoleIds"] == ["10", "11"]
    after = (await api.data(READ, {"g": str(GUILD)}))["guild"]
    assert after["settings"]["showcaseForumId"] == "555" and after["limits"]["activeMax"] == 3
    sync = (await commands.wait_for("settings.sync"))[-1]
    assert sync.data["channel_mode"] == "FORUM_PER_PARTNER" and sync.data["showcase_forum_id"] == "555"


async def test_bad_values_are_reported_per_field_and_change_nothing(api):
    before = (await api.data(READ, {"g": str(GUILD)}))["guild"]["settings"]
    payload = (
        await api.data(
            UPDATE,
            {
                "g": str(GUILD),
                "input": {
                    "maxActive": 101,
                    "minPartnerMemberCount": -1,
                    "applicationCooldownHours": 9000,
                    "advertisement": "x" * 10_000,
                    "channelMode": "CHANNEL_PER_PARTNER",
                },
            },
        )
    )["updatePartnershipSettings"]
    assert payload["settings"] is None
    fields = {tuple(e["field"]) for e in payload["userErrors"]}
    assert {("input", "maxActive"), ("input", "minPartnerMemberCount"), ("input", "applicationCooldownHours"),
            ("input", "advertisement")} <= fields  # fmt: skip
    assert all(e["code"] == "VALIDATION" for e in payload["userErrors"])
    assert (await api.data(READ, {"g": str(GUILD)}))["guild"]["settings"] == before


async def test_a_mode_without_its_channel_is_refused(api):
    payload = (await api.data(UPDATE, {"g": str(GUILD), "input": {"channelMode": "FORUM_PER_PARTNER"}}))[
        "updatePartnershipSettings"
    ]
    assert payload["userErrors"] == [
        {
            "code": "VALIDATION",
            "message": "Channel mode FORUM_PER_PARTNER needs showcaseForumId.",
            "field": ["input", "showcaseForumId"],
        }
    ]


async def test_unknown_enum_and_malformed_role_id_are_graphql_errors(api):
    body = await api.post(UPDATE, {"g": str(GUILD), "input": {"channelMode": "EVERYWHERE"}})
    assert body["errors"][0]["extensions"]["code"] in ("BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED")
    body = await api.post(UPDATE, {"g": str(GUILD), "input": {"managerRoleIds": ["12", "@everyone"]}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await api.data(READ, {"g": str(GUILD)}))["guild"]["settings"]["managerRoleIds"] == []


async def test_null_clears_optional_settings_but_not_required_ones(api):
    await api.data(UPDATE, {"g": str(GUILD), "input": {"advertisement": "Our ad", "showcaseChannelId": "77"}})
    cleared = (await api.data(UPDATE, {"g": str(GUILD), "input": {"advertisement": None}}))["updatePartnershipSettings"]
    assert cleared["userErrors"] == [] and cleared["settings"]["advertisement"] is None
    refused = (await api.data(UPDATE, {"g": str(GUILD), "input": {"maxActive": None}}))["updatePartnershipSettings"]
    assert refused["userErrors"][0]["field"] == ["input", "maxActive"]


async def test_round_two_settings_round_trip_and_are_audited(api):
    update = """mutation($g: Snowflake!, $input: PartnershipSettingsInput!) {
      updatePartnershipSettings(guildId: $g, input: $input) {
        settings { approvalFlow reviewStyle confirmHours logChannelId healthChecks healthGraceHours
                   autoEndUnhealthy staleQueueHours mutualPartnerships }
        userErrors { code message field } } }"""
    values = {
        "approvalFlow": "CONFIRM", "reviewStyle": "BUTTONS", "confirmHours": 24, "logChannelId": "777",
        "healthChecks": False, "healthGraceHours": 0, "autoEndUnhealthy": True, "staleQueueHours": 0,
        "mutualPartnerships": False,
    }  # fmt: skip
    payload = (await api.data(update, {"g": str(GUILD), "input": values}))["updatePartnershipSettings"]
    assert payload["userErrors"] == []
    assert payload["settings"] == values

    refused = (await api.data(update, {"g": str(GUILD), "input": {"confirmHours": 0, "healthGraceHours": 721}}))[
        "updatePartnershipSettings"
    ]
    assert {e["field"][-1] for e in refused["userErrors"]} == {"confirmHours", "healthGraceHours"}
    assert refused["settings"] is None or refused["settings"]["confirmHours"] == 24
