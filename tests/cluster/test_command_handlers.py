"""A cog's @command_handler methods carry out the api's commands while the cog is loaded, and only then."""

from __future__ import annotations

from typing import Any

import pytest
from discord.ext import commands

from bus import Envelope
from cluster.bus_link import LocalBus
from cluster.command_handlers import command_handler
from tests.fakediscord import FakeDiscord

GUILD = 1 << 22  # shard 0


class Panels(commands.Cog):
    def __init__(self) -> None:
        self.posted: list[str] = []

    @command_handler("panel.post")
    async def post_panel(self, env: Envelope) -> dict[str, Any]:
        self.posted.append(env.data["channel_id"])
        return {"message_id": "9"}


class OtherPanels(commands.Cog):
    @command_handler("panel.post")
    async def post_panel(self, env: Envelope) -> dict[str, Any]:
        raise AssertionError("never loaded")


def panel_post(channel_id: str) -> Envelope:
    return Envelope.new("panel.post", GUILD, {"channel_id": channel_id})


async def test_handlers_come_and_go_with_their_cog(fake_discord: FakeDiscord, start_node) -> None:
    bus = LocalBus()
    bot = await start_node(bus=bus, extensions=[])
    cog = Panels()
    await bot.add_cog(cog)
    await bus.deliver_command(0, panel_post("5"))
    assert cog.posted == ["5"]
    (done,) = bus.events("command.completed")
    assert done.data["ok"] is True and done.data["result"] == {"message_id": "9"}

    await bot.remove_cog("Panels")
    with pytest.raises(LookupError):  # unknown to the node: the bus retries, then dead-letters it
        await bus.deliver_command(0, panel_post("6"))
    assert cog.posted == ["5"]


async def test_two_cogs_cannot_handle_one_command_type(fake_discord: FakeDiscord, start_node) -> None:
    bus = LocalBus()
    bot = await start_node(bus=bus, extensions=[])
    cog = Panels()
    await bot.add_cog(cog)
    with pytest.raises(ValueError, match=r"panel\.post"):
        await bot.add_cog(OtherPanels())
    assert bot.get_cog("OtherPanels") is None
    await bus.deliver_command(0, panel_post("5"))
    assert cog.posted == ["5"]


async def test_a_cog_replaced_with_override_hands_its_commands_to_the_new_one(
    fake_discord: FakeDiscord, start_node
) -> None:
    bus = LocalBus()
    bot = await start_node(bus=bus, extensions=[])
    old, new = Panels(), Panels()
    await bot.add_cog(old)
    await bot.add_cog(new, override=True)
    await bus.deliver_command(0, panel_post("5"))
    assert (old.posted, new.posted) == ([], ["5"])


def test_only_coroutines_can_be_handlers() -> None:
    with pytest.raises(TypeError):

        class Broken(commands.Cog):
            @command_handler("panel.post")
            def post_panel(self, env: Envelope) -> None: ...
