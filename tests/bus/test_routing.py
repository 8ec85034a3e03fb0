"""shard_for is Discord's formula, and the topology names follow DESIGN.md."""

from __future__ import annotations

import pytest

from bus import shard_for
from bus.routing import command_routing_key
from bus.topology import command_queue_name, work_queue_arguments
from tests.bus.helpers import guild_on_shard


def test_formula() -> None:
    guild = 175928847299117063
    for count in (1, 2, 7, 16, 1000):
        assert shard_for(guild, count) == (guild >> 22) % count
        assert shard_for(str(guild), count) == shard_for(guild, count)


def test_node_level_guild_goes_to_shard_zero() -> None:
    assert shard_for("0", 16) == 0


def test_guild_builder_hits_every_shard() -> None:
    for shard in range(8):
        assert {shard_for(guild_on_shard(shard, 8, n), 8) for n in range(5)} == {shard}


def test_bad_shard_count() -> None:
    with pytest.raises(ValueError):
        shard_for(1, 0)


def test_names() -> None:
    assert command_routing_key(3) == "shard.3"
    assert command_queue_name(3) == "partners.commands.shard.3"
    assert work_queue_arguments(5) == {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": "partners.dlx",
        "x-delivery-limit": 5,
    }
