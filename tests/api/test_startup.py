"""`python -m api` on its embedded default, and settings that stop start-up."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from tests.support.mongo import free_port


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "RABBITMQ_", "AUTH_", "PORT", "HOST"))}
    return {**env, **extra}


def test_embedded_default_prints_a_working_token():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "--demo"],
        env=_env(PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (lines and lines[-1].startswith("ey")):
            lines.append(process.stdout.readline().strip())
        assert any(f"http://127.0.0.1:{port}/graphql" in line for line in lines), lines
        token = lines[-1]
        query = '{ viewer { guildIds } guild(id: "1100000000000000000") { limits { pendingCount activeCount } } }'
        for _ in range(100):
            try:
                response = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": query},
                                      headers={"Authorization": f"Bearer {token}"})  # fmt: skip
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        data = response.json()["data"]
        assert data["viewer"]["guildIds"] == ["1100000000000000000"]
        assert data["guild"]["limits"]["pendingCount"] > 0 and data["guild"]["limits"]["activeCount"] > 0
    finally:
        process.terminate()
        process.wait(10)


def test_a_bad_setting_stops_start_up_with_one_line_naming_it():
    for name, value in (("PORT", "eighty"), ("MONGODB_URL", "postgres://x"), ("SHARD_COUNT", "0")):
        result = subprocess.run([sys.executable, "-m", "api"], env=_env(**{name: value}), capture_output=True,
                                text=True, timeout=30)  # fmt: skip
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and name in lines[0], result.stderr


def test_a_secret_is_never_echoed():
    result = subprocess.run([sys.executable, "-m", "api"], env=_env(RABBITMQ_URL="http://guest:hunter2@x"),
                            capture_output=True, text=True, timeout=30)  # fmt: skip
    assert result.returncode == 2 and "hunter2" not in result.stderr and "RABBITMQ_URL" in result.stderr
