"""A node announces each ready shard's guilds and keeps the settings the api syncs."""

from __future__ import annotations

from bus import Envelope
from cluster.bus_link import LocalBus
from tests.fakediscord import FakeDiscord
from tests.fakediscord.server import eventually


async def test_shard_ready_lists_its_guilds_and_settings_sync_is_kept(fake_discord: FakeDiscord, start_node) -> None:
    world = fake_discord.world
    mine = world.add_guild("Mine", shard=1, shard_count=2)
    world.add_guild("Theirs", shard=0, shard_count=2)
    bus = LocalBus()
    bot = await start_node(bus=bus, shard_count=2, shard_ids="1")
    ready = await eventually(lambda: bus.events("shard.ready"))
    assert ready[0].guild_id == "0"
    assert ready[0].data["shard_id"] == 1 and ready[0].data["guild_ids"] == [str(mine.id)]

    assert bot.configs.get(mine.id).application_mode == "SLASH"  # defaults until the api syncs
    sync = Envelope.new(
        "settings.sync",
        mine.id,
        {"application_mode": "TICKET", "channel_mode": "FORUM_PER_PARTNER", "showcase_forum_id": "77",
         "ticket_channel_id": "78", "manager_role_ids": ["5"], "track_joins": True},
    )  # fmt: skip
    await bus.deliver_command(1, sync)
    config = bot.configs.get(mine.id)
    assert (config.application_mode, config.showcase_forum_id, config.track_joins) == ("TICKET", "77", True)
    assert bus.events("command.completed")[-1].data["ok"] is True
