"""The pending queue over HTTP: order, cursors, limits, totals, and bad paging input."""

from __future__ import annotations

from tests.api.factories import GUILD, submitted

QUEUE = """
query Queue($guild: Snowflake!, $first: Int, $after: String, $order: SortOrder, $status: ApplicationStatus) {
  guild(id: $guild) {
    limits { pendingCount pendingMax activeCount activeMax blacklistCount blacklistMax }
    applications(status: $status, first: $first, after: $after, order: $order) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id guildId status source representativeId advertisement submittedAt
                            partner { id name memberCount inviteCode iconUrl } partnership { id } } }
    }
  }
}"""


async def test_pending_queue_is_oldest_first_and_pages_with_cursors(api, worker):
    names = [f"Server {i:02d}" for i in range(7)]
    for name in names:
        await worker.handle(submitted(name=name))

    seen, after = [], None
    while True:
        data = await api.data(QUEUE, {"guild": str(GUILD), "first": 3, "after": after, "status": "PENDING"})
        connection = data["guild"]["applications"]
        assert connection["totalCount"] == 7
        seen += [edge["node"]["partner"]["name"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == names

    newest = await api.data(QUEUE, {"guild": str(GUILD), "first": 2, "order": "NEWEST_FIRST", "status": "PENDING"})
    assert [e["node"]["partner"]["name"] for e in newest["guild"]["applications"]["edges"]] == names[::-1][:2]
    limits = newest["guild"]["limits"]
    assert limits == {"pendingCount": 7, "pendingMax": 250, "activeCount": 0, "activeMax": 100,
                      "blacklistCount": 0, "blacklistMax": 500}  # fmt: skip


async def test_snowflakes_are_strings_and_fields_are_complete(api, worker):
    env = submitted(name="Pixel Painters", members=4210, source="PANEL", advertisement="Come paint with us!")
    await worker.handle(env)
    node = (await api.data(QUEUE, {"guild": str(GUILD)}))["guild"]["applications"]["edges"][0]["node"]
    assert node["guildId"] == str(GUILD)
    assert node["partner"]["id"] == env.data["partner"]["id"]
    assert node["representativeId"] == env.data["representative_id"]
    assert (node["status"], node["source"], node["advertisement"]) == ("PENDING", "PANEL", "Come paint with us!")
    assert node["partner"]["memberCount"] == 4210 and node["partnership"] is None


async def test_first_above_100_is_a_typed_error(api):
    body = await api.post(QUEUE, {"guild": str(GUILD), "first": 101})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "100" in body["errors"][0]["message"]


async def test_cursor_from_another_query_is_refused(api, worker):
    for _ in range(3):
        await worker.handle(submitted())
    pending = await api.data(QUEUE, {"guild": str(GUILD), "first": 1, "status": "PENDING"})
    cursor = pending["guild"]["applications"]["pageInfo"]["endCursor"]
    body = await api.post(QUEUE, {"guild": str(GUILD), "first": 1, "after": cursor, "status": "DENIED"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "another list" in body["errors"][0]["message"]
    garbage = await api.post(QUEUE, {"guild": str(GUILD), "after": "not-a-cursor"})
    assert garbage["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_malformed_snowflake_and_unknown_enum_are_typed_errors(api):
    bad_id = await api.post(QUEUE, {"guild": "12abc"})
    assert bad_id["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert bad_id.get("data") is None
    bad_enum = await api.post(QUEUE, {"guild": str(GUILD), "status": "MAYBE"})
    assert bad_enum["errors"][0]["extensions"]["code"] in ("BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED")
    literal = await api.post('{ guild(id: "1") { applications(status: MAYBE) { totalCount } } }')
    assert literal["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
