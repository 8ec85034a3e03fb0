"""``python -m cluster`` as a real process against the fake Discord: it connects its shards, reports
ready and stops on SIGTERM; ``--help`` lists every setting and starts nothing; a node without
RABBITMQ_URL warns that nothing reaches an API, and prints no voice-library warnings (issue 14)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

from cluster.settings import ClusterSettings
from tests.fakediscord import FakeDiscord, eventually

ROOT = Path(__file__).resolve().parents[2]


def _env(**settings: str) -> dict[str, str]:
    """This environment without any cluster setting of its own, plus `settings`."""
    ours = {name.upper() for name in ClusterSettings.model_fields}
    return {**{k: v for k, v in os.environ.items() if k not in ours}, "PYTHONPATH": str(ROOT), **settings}


@contextlib.asynccontextmanager
async def _node(
    fake_discord: FakeDiscord, **settings: str
) -> AsyncIterator[tuple[asyncio.subprocess.Process, list[str]]]:
    """Runs a node against the fake Discord, collecting its log lines; kills it if the test did not
    stop it. The lines are complete once the block is left."""
    env = _env(DISCORD_TOKEN=fake_discord.world.token, DISCORD_API_BASE=fake_discord.api_base,
               DISCORD_GATEWAY_URL=fake_discord.gateway_url, IDENTIFY_INTERVAL="0", GUILD_READY_TIMEOUT="0.05",
               **settings)  # fmt: skip
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
        yield proc, lines
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(reader, 5)


async def _stop(proc: asyncio.subprocess.Process) -> None:
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(proc.wait(), 15) == 0


async def test_node_process_connects_reports_ready_and_stops_on_sigterm(fake_discord: FakeDiscord) -> None:
    w = fake_discord.world
    for shard in range(4):
        w.add_guild(f"g{shard}", shard=shard, shard_count=4)
    settings = {"SHARD_COUNT": "4", "CLUSTER_INDEX": "1", "CLUSTER_COUNT": "2", "HEALTH_PORT": "0"}
    async with _node(fake_discord, HEALTH_HOST="127.0.0.1", **settings) as (proc, lines):
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
        await _stop(proc)
    output = "\n".join(lines)
    assert w.token not in output
    assert "starting shards 2-3/4" in output
    assert all(not s.connected for s in fake_discord.gateway.sessions.values())


def test_help_prints_usage_and_every_setting_without_a_token():
    result = subprocess.run([sys.executable, "-m", "cluster", "--help"], env=_env(), cwd=ROOT,
                            capture_output=True, text=True, timeout=30)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m cluster")
    for name, field in ClusterSettings.model_fields.items():
        assert f"\n  {name.upper()} (default: " in result.stdout
        assert field.description and field.description.split()[0] in result.stdout
    assert "DISCORD_TOKEN (default: (required))" in result.stdout


async def test_a_node_without_rabbitmq_warns_and_prints_no_voice_warnings(fake_discord: FakeDiscord) -> None:
    fake_discord.world.add_guild("g0", shard=0, shard_count=1)
    async with _node(fake_discord) as (proc, lines):
        await fake_discord.wait_for_shards(1, timeout=30)
        warning = await eventually(lambda: next((line for line in lines if "RABBITMQ_URL" in line), None), timeout=15)
        assert "WARNING" in warning and "nothing it sees reaches an API" in warning
        await _stop(proc)
    output = "\n".join(lines)
    assert "voice will NOT be supported" not in output and "davey" not in output, output
