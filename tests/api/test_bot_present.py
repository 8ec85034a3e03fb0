"""Guild.botPresent: whether the bot is in the server, from what the cluster reported at shard.ready."""

from __future__ import annotations

from bus import Envelope
from tests.api.factories import GUILD

OTHER = GUILD + 1
QUERY = "query($g: Snowflake!) { guild(id: $g) { botPresent } }"


async def test_a_server_is_absent_until_a_shard_reports_it(api):
    assert (await api.data(QUERY, {"g": str(GUILD)}))["guild"]["botPresent"] is False

    ready = Envelope.new("shard.ready", "0", {"shard_id": 0, "shard_count": 1, "guild_ids": [str(GUILD)]})
    await api.container.shard_readiness.handle(ready)

    assert (await api.data(QUERY, {"g": str(GUILD)}))["guild"]["botPresent"] is True


async def test_each_guild_of_one_request_gets_its_own_answer(api):
    ready = Envelope.new("shard.ready", "0", {"shard_id": 0, "shard_count": 1, "guild_ids": [str(OTHER)]})
    await api.container.shard_readiness.handle(ready)
    token = api.token({GUILD: ["partnerships.view"], OTHER: ["partnerships.view"]})
    both = "query($a: Snowflake!, $b: Snowflake!) { a: guild(id: $a) { botPresent } b: guild(id: $b) { botPresent } }"

    data = await api.data(both, {"a": str(GUILD), "b": str(OTHER)}, token=token)

    assert data == {"a": {"botPresent": False}, "b": {"botPresent": True}}


async def test_it_is_behind_the_guilds_view_permission(api):
    await api.container.bot_guilds.mark_present([OTHER])

    body = await api.post(QUERY, {"g": str(OTHER)}, token=api.viewer(GUILD))

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert not (body.get("data") or {}).get("guild")
