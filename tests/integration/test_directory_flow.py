"""Names end to end on the real broker: a cluster node reports its guild's channels and roles from
discord.py's cache, and a channel renamed in Discord reaches the API's directory (what the settings
pickers list), with no Discord REST call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from tests.integration.test_discord_flows import SHARDS, System, fake_discord, system  # noqa: F401

CHANNELS = (
    """query($g: Snowflake!) { guild(id: $g) { name botPresent channels { id name type parentId } roles { name } } }"""
)


async def test_a_channel_renamed_in_discord_reaches_the_apis_directory(system: System) -> None:  # noqa: F811
    w = system.fake.world
    guild = w.add_guild("Home", shard=1, shard_count=SHARDS)
    category = w.add_category(guild, "Partners")
    showcase = w.add_channel(guild, "showcase", parent=category)
    w.add_role(guild, "Partner")
    node = await system.start_node("a", "0-3")

    async def channels() -> dict[str, dict]:
        data = await system.gql(CHANNELS, {"g": str(guild.id)}, guild=guild.id)
        return {c["id"]: c for c in data["guild"]["channels"]}

    found: dict = {}

    async def reported() -> bool:
        found.update(await channels())
        return str(showcase.id) in found

    await eventually_async(reported)
    assert found[str(showcase.id)] == {
        "id": str(showcase.id), "name": "showcase", "type": "TEXT", "parentId": str(category.id),
    }  # fmt: skip
    data = await system.gql(CHANNELS, {"g": str(guild.id)}, guild=guild.id)
    assert data["guild"]["name"] == "Home" and data["guild"]["botPresent"] is True
    assert "Partner" in {r["name"] for r in data["guild"]["roles"]}

    node.get_cog("Directory").debounce = 0.1  # type: ignore[union-attr]
    mark = system.fake.calls.mark()
    showcase.name = "partner-ads"
    await system.fake.dispatch(guild, "CHANNEL_UPDATE", w.channel_payload(showcase))

    async def renamed() -> bool:
        return (await channels())[str(showcase.id)]["name"] == "partner-ads"

    await eventually_async(renamed)
    assert system.fake.calls.routes(mark) == []  # the cache was enough: no REST call


async def eventually_async(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.05)
