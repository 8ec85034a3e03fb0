"""What a node says at start (issue 14, items 11 and 12): `--help` lists every setting and starts
nothing; a node without RABBITMQ_URL warns that nothing reaches an API; no voice-library warnings."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from cluster.settings import ClusterSettings
from tests.fakediscord import FakeDiscord, eventually

ROOT = Path(__file__).resolve().parents[2]


def _env(**settings: str) -> dict[str, str]:
    ours = {name.upper() for name in ClusterSettings.model_fields}
    return {**{k: v for k, v in os.environ.items() if k not in ours}, "PYTHONPATH": str(ROOT), **settings}


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
    w = fake_discord.world
    w.add_guild("g0", shard=0, shard_count=1)
    env = _env(DISCORD_TOKEN=w.token, DISCORD_API_BASE=fake_discord.api_base,
               DISCORD_GATEWAY_URL=fake_discord.gateway_url, IDENTIFY_INTERVAL="0", GUILD_READY_TIMEOUT="0.05")  # fmt: skip
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
        await fake_discord.wait_for_shards(1, timeout=30)
        warning = await eventually(lambda: next((line for line in lines if "RABBITMQ_URL" in line), None), timeout=15)
        assert "WARNING" in warning and "nothing it sees reaches an API" in warning
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 15) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(reader, 5)
    output = "\n".join(lines)
    assert "voice will NOT be supported" not in output and "davey" not in output, output
