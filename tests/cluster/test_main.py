"""``python -m cluster`` as a real process against the fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp

from cluster.settings import ClusterSettings
from tests.fakediscord import FakeDiscord, eventually

ROOT = Path(__file__).resolve().parents[2]


async def test_node_process_connects_reports_ready_and_stops_on_sigterm(fake_discord: FakeDiscord) -> None:
    w = fake_discord.world
    for shard in range(4):
        w.add_guild(f"g{shard}", shard=shard, shard_count=4)
    ours = {name.upper() for name in ClusterSettings.model_fields}
    env = {k: v for k, v in os.environ.items() if k not in ours}
    env.update(
        PYTHONPATH=str(ROOT),
        DISCORD_TOKEN=w.token,
        SHARD_COUNT="4",
        CLUSTER_INDEX="1",
        CLUSTER_COUNT="2",
        DISCORD_API_BASE=fake_discord.api_base,
        DISCORD_GATEWAY_URL=fake_discord.gateway_url,
        IDENTIFY_INTERVAL="0",
        GUILD_READY_TIMEOUT="0.05",
        HEALTH_PORT="0",
        HEALTH_HOST="127.0.0.1",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cluster", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    lines: list[str] = []

    async def read() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            lines.append(raw.decode().rstrip())

    reader = asyncio.create_task(read())
    try:
        await fake_discord.wait_for_shards(2, timeout=30)
        assert sorted(s.shard_id for s in fake_discord.sessions()) == [2, 3]
        found = await eventually(
            lambda: next((m for line in lines if (m := re.search(r"health on http://[\d.]+:(\d+)/", line))), None),
            timeout=15,
        )
        port = int(found.group(1))

        async def ready() -> dict:
            async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/readyz") as resp:
                return await resp.json() if resp.status == 200 else {}

        body: dict = {}
        for _ in range(200):
            body = await ready()
            if body:
                break
            await asyncio.sleep(0.05)
        assert body["shards"] == {"2": "ready", "3": "ready"} and body["guilds"] == 2

        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 15) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(reader, 5)
    output = "\n".join(lines)
    assert w.token not in output
    assert "starting shards 2-3/4" in output
    assert all(not s.connected for s in fake_discord.gateway.sessions.values())
