"""A node's /metrics and /readyz on the health port, command metrics, and draining on close."""

from __future__ import annotations

import aiohttp
import discord
from prometheus_client.parser import text_string_to_metric_families

from bus import Envelope
from cluster.bus_link import LocalBus
from cluster.command_runner import CommandRefused
from tests.fakediscord import FakeDiscord


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_and_readiness_on_the_health_port(fake_discord: FakeDiscord, start_node) -> None:
    for shard in range(4):
        fake_discord.world.add_guild(f"g{shard}", shard=shard, shard_count=4)
    bus = LocalBus()
    bot = await start_node(bus=bus, shard_count=4, shard_ids="2,3", health_port=0,
                           extensions=["cluster.cogs.health"])  # fmt: skip

    async def ok(env: Envelope) -> dict:
        return {}

    async def refused(env: Envelope) -> dict:
        raise CommandRefused("NOT_FOUND", "gone")

    async def broken(env: Envelope) -> dict:
        raise discord.DiscordServerError(_Response(503), "down")

    bot.register_command_handler("panel.post", ok)
    bot.register_command_handler("dm.send", refused)
    bot.register_command_handler("role.grant", broken)
    guild = 2 << 22
    await bus.deliver_command(2, Envelope.new("panel.post", guild, {"channel_id": "5"}))
    await bus.deliver_command(2, Envelope.new("dm.send", guild, {"user_id": "1", "content": "x"}))
    try:
        await bus.deliver_command(2, Envelope.new("role.grant", guild, {"user_id": "1", "role_id": "2"}))
    except discord.DiscordServerError:
        pass  # transient: raised for the bus to redeliver
    bot.metrics.join_attributed("VANITY")  # what the joins cog calls once per published join

    port = bot.get_cog("Health").port
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
            assert resp.status == 200
            found = samples(await resp.text())
        async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
            assert resp.status == 200
            body = await resp.json()
    assert found[("partners_cluster_commands_total", (("outcome", "ok"), ("type", "panel.post")))] == 1
    assert found[("partners_cluster_commands_total", (("outcome", "failed"), ("type", "dm.send")))] == 1
    assert found[("partners_cluster_commands_total", (("outcome", "error"), ("type", "role.grant")))] == 1
    assert found[("partners_cluster_command_duration_seconds_count", (("type", "panel.post"),))] == 1
    assert found[("partners_cluster_joins_attributed_total", (("join_type", "VANITY"),))] == 1
    assert found[("partners_cluster_shard_ready", (("shard", "2"),))] == 1
    assert ("partners_cluster_shard_latency_seconds", (("shard", "3"),)) in found
    assert found[("partners_cluster_guilds", ())] == 2
    assert body["shards"] == {"2": "ready", "3": "ready"} and body["draining"] is False
    assert set(body["latencies"]) == {"2", "3"}
    assert all(v is None or v >= 0 for v in body["latencies"].values())

    bot.draining = True  # what close() sets first
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/readyz") as resp:
        assert resp.status == 503


class _Response:
    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "Service Unavailable"
