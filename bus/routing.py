"""Which shard, and so which command queue, a guild's commands go to."""

from __future__ import annotations


def shard_for(guild_id: int | str, shard_count: int) -> int:
    """Discord's own sharding formula: the shard whose gateway connection carries the guild.

    Commands must reach the node connected to that shard, which alone can act for the guild.
    Guild "0" (node-level) lands on shard 0, like direct messages do.
    """
    if shard_count < 1:
        raise ValueError("shard_count must be at least 1")
    return (int(guild_id) >> 22) % shard_count


def command_routing_key(shard_id: int) -> str:
    return f"shard.{shard_id}"
