"""Two API instances on one broker and one database: a subscription held on A sees, in order,
the changes made through B."""

from __future__ import annotations

import pytest

from api.app import create_app
from api.lifecycle import start_live
from tests.api.conftest import Api, serve
from tests.api.factories import GUILD

SUB = "subscription($g: Snowflake!) { partnershipQueue(guildId: $g) { type partnership { partner { name } } } }"
CREATE = """mutation($input: CreatePartnershipInput!) { createPartnership(input: $input) {
  partnership { id } userErrors { code } } }"""
END = "mutation($id: ID!) { endPartnership(id: $id) { userErrors { code } } }"
SETTINGS = """mutation($g: Snowflake!) { updatePartnershipSettings(guildId: $g, input: {maxActive: 50}) {
  userErrors { code } } }"""


@pytest.fixture
async def two_apis(open_container, shared_settings, tokens):
    apis = []
    contexts = []
    for _ in range(2):
        container = await open_container()
        await start_live(container)
        context = serve(create_app(shared_settings, container=container, tokens=tokens))
        base = await context.__aenter__()
        contexts.append(context)
        apis.append(Api(base, tokens, container))
    yield apis
    for api in apis:
        await api.http.aclose()
    for context in contexts:
        await context.__aexit__(None, None, None)


async def test_a_subscriber_on_a_sees_changes_made_on_b_in_order(two_apis):
    a, b = two_apis
    async with a.subscription(SUB, {"g": str(GUILD)}) as next_message:
        await b.data(SETTINGS, {"g": str(GUILD)})
        ids = []
        for n in range(4):
            created = await b.data(
                CREATE,
                {"input": {"guildId": str(GUILD), "partnerGuildId": str(1234500000000000000 + n), "partnerName": f"P{n}",
                           "inviteCode": f"p{n}", "representativeId": "1300000000000000001", "advertisement": "ad"}},
            )  # fmt: skip
            ids.append(created["createPartnership"]["partnership"]["id"])
        await b.data(END, {"id": ids[0]})

        received = []
        for _ in range(6):
            event = (await next_message(10))["payload"]["data"]["partnershipQueue"]
            received.append((event["type"], (event["partnership"] or {}).get("partner", {}).get("name")))
    assert received == [
        ("SETTINGS_UPDATED", None),
        ("PARTNERSHIP_CREATED", "P0"),
        ("PARTNERSHIP_CREATED", "P1"),
        ("PARTNERSHIP_CREATED", "P2"),
        ("PARTNERSHIP_CREATED", "P3"),
        ("PARTNERSHIP_ENDED", "P0"),
    ]
