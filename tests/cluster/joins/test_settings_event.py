"""Settings synced by the api reach every interested cog as the ``guild_settings_changed`` bot event,
whatever order the cogs were loaded in."""

from __future__ import annotations

from typing import Any

from discord.ext import commands

from tests.cluster.joins.conftest import settings_sync
from tests.fakediscord import FakeDiscord
from tests.fakediscord.server import eventually


class Listener(commands.Cog):
    def __init__(self) -> None:
        self.heard: list[tuple[int, Any]] = []

    @commands.Cog.listener()
    async def on_guild_settings_changed(self, guild_id: int, config: Any) -> None:
        self.heard.append((guild_id, config))


async def test_joins_loaded_before_guild_config_still_tracks(fake_discord: FakeDiscord, node) -> None:
    guild = fake_discord.world.add_guild("Home", shard=0, shard_count=1)
    fake_discord.world.add_invite(guild, code="partnerA", uses=3)
    n = await node(extensions=["cluster.cogs.joins", "cluster.cogs.guild_config"])
    listener = Listener()
    await n.bot.add_cog(listener)

    await n.track(guild)  # waits for the snapshot the settings lead to
    assert n.cog.snapshots[guild.id].uses == {"partnerA": 3}
    ((guild_id, config),) = await eventually(lambda: listener.heard)
    assert guild_id == guild.id and config.track_joins is True

    await n.bus.deliver_command(0, settings_sync(guild.id, track_joins=False))
    await eventually(lambda: len(listener.heard) == 2)
    assert listener.heard[1][1].track_joins is False
    await eventually(lambda: guild.id not in n.cog.snapshots)
