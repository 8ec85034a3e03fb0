"""Subscriptions over a real websocket (graphql-transport-ws)."""

from __future__ import annotations

import json

import pytest
import websockets

from tests.api.factories import GUILD, OTHER_GUILD, completed, joined, manual_partnership, submitted

QUEUE_SUB = """subscription($g: Snowflake!) { partnershipQueue(guildId: $g) {
  type guildId at application { id status partner { name } } partnership { id status } } }"""
JOIN_SUB = (
    """subscription($g: Snowflake!) { partnerJoins(guildId: $g) { guildId userId at partnership { id joinCount } } }"""
)


async def test_queue_events_arrive_in_order(api, worker):
    async with api.subscription(QUEUE_SUB, {"g": str(GUILD)}) as next_message:
        await worker.handle(submitted(name="Study Hall"))
        first = (await next_message())["payload"]["data"]["partnershipQueue"]
        assert first["type"] == "APPLICATION_SUBMITTED" and first["application"]["partner"]["name"] == "Study Hall"
        assert first["guildId"] == str(GUILD)

        approved = await api.data(
            "mutation($id: ID!) { approveApplication(id: $id) { userErrors { code } } }",
            {"id": first["application"]["id"]},
        )
        assert approved["approveApplication"]["userErrors"] == []
        second = (await next_message())["payload"]["data"]["partnershipQueue"]
        third = (await next_message())["payload"]["data"]["partnershipQueue"]
        assert [second["type"], third["type"]] == ["APPLICATION_APPROVED", "PARTNERSHIP_CREATED"]
        assert third["partnership"]["status"] == "ACTIVE"


async def test_other_guilds_events_are_not_delivered(api, worker):
    async with api.subscription(QUEUE_SUB, {"g": str(GUILD)}) as next_message:
        await worker.handle(submitted(guild_id=OTHER_GUILD, name="Elsewhere"))
        await worker.handle(submitted(name="Here"))
        event = (await next_message())["payload"]["data"]["partnershipQueue"]
        assert event["application"]["partner"]["name"] == "Here"


async def test_partner_joins_are_pushed(api, container, worker):
    p = await manual_partnership(container)
    await worker.handle(completed(GUILD, "invite.create", refs={"partnership_id": p.id}, result={"code": "trk"}))
    async with api.subscription(JOIN_SUB, {"g": str(GUILD)}) as next_message:
        await worker.handle(joined(GUILD, "trk", user_id=777))
        event = (await next_message())["payload"]["data"]["partnerJoins"]
        assert event["userId"] == "777" and event["partnership"]["joinCount"] == 1


async def test_joins_handled_together_are_pushed_one_by_one_in_order(api, container, worker):
    """The worker announces a run's joins in one live message; subscribers still see each join."""
    from api.services.partnerships import ManualPartner

    p = await container.partnerships.create_manual(
        ManualPartner.parse(guild_id=GUILD, partner_guild_id="1234500000000000000", partner_name="Chess",
                             invite_code="chess", representative_id="1300000000000000001", advertisement="ad"),
        actor=1,
    )  # fmt: skip
    await worker.handle(completed(GUILD, "invite.create", refs={"partnership_id": p.id}, result={"code": "trk"}))
    async with api.subscription(JOIN_SUB, {"g": str(GUILD)}) as next_message:
        outcomes = await worker.handle_batch([joined(GUILD, "trk", user_id=u) for u in (801, 802, 803)])
        assert outcomes == [None, None, None]
        events = [(await next_message())["payload"]["data"]["partnerJoins"] for _ in range(3)]
        assert [e["userId"] for e in events] == ["801", "802", "803"]
        assert events[-1]["partnership"]["joinCount"] == 3


async def test_subscription_without_permission_is_refused(api):
    async with api.subscription(QUEUE_SUB, {"g": str(OTHER_GUILD)}, registered=False) as next_message:
        message = await next_message()
        assert message["type"] in ("error", "next")
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("token", [None, "bad"])
async def test_websocket_without_a_valid_token_is_closed(api, token):
    url = api.base.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        payload = {} if token is None else {"Authorization": f"Bearer {token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd.code == 4403


async def test_subscribers_of_one_event_each_get_their_own_selection(api, worker):
    """One live event is executed once per subscription shape (document, variables, permission) and
    shared: subscribers with another selection or another permission still get exactly theirs."""
    other_shape = """subscription($g: Snowflake!) { partnershipQueue(guildId: $g) {
      type application { partner { name memberCount } } } }"""
    g = {"g": str(GUILD)}
    async with (
        api.subscription(QUEUE_SUB, g) as editor_a,
        api.subscription(QUEUE_SUB, g) as editor_b,
        api.subscription(QUEUE_SUB, g, token=api.viewer()) as viewer,
        api.subscription(other_shape, g) as other,
    ):
        await worker.handle(submitted(name="Shared Hall", members=4321))
        same = [(await next_message())["payload"] for next_message in (editor_a, editor_b, viewer)]
        assert same[0] == same[1] == same[2] and "errors" not in same[0]
        assert same[0]["data"]["partnershipQueue"]["application"]["partner"] == {"name": "Shared Hall"}
        assert set(same[0]["data"]["partnershipQueue"]) == {"type", "guildId", "at", "application", "partnership"}
        assert (await other())["payload"] == {
            "data": {
                "partnershipQueue": {
                    "type": "APPLICATION_SUBMITTED",
                    "application": {"partner": {"name": "Shared Hall", "memberCount": 4321}},
                }
            }
        }
