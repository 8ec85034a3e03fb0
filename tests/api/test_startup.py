"""`python -m api` on its embedded default, and settings that stop start-up."""

from __future__ import annotations

import subprocess
import sys

from tests.api.api_process import api_env, demo


def test_embedded_default_prints_a_working_token():
    with demo() as running:
        assert any(f"http://127.0.0.1:{running.port}/graphql" in line for line in running.lines), running.lines
        data = running.data(
            '{ viewer { guildIds } guild(id: "1100000000000000000") { limits { pendingCount activeCount } } }'
        )
        assert data["viewer"]["guildIds"] == ["1100000000000000000"]
        assert data["guild"]["limits"]["pendingCount"] > 0 and data["guild"]["limits"]["activeCount"] > 0


def test_a_bad_setting_stops_start_up_with_one_line_naming_it():
    for name, value in (("PORT", "eighty"), ("MONGODB_URL", "postgres://x"), ("SHARD_COUNT", "0")):
        result = subprocess.run([sys.executable, "-m", "api"], env=api_env(**{name: value}), capture_output=True,
                                text=True, timeout=30)  # fmt: skip
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and name in lines[0], result.stderr


def test_a_secret_is_never_echoed():
    result = subprocess.run([sys.executable, "-m", "api"], env=api_env(RABBITMQ_URL="http://guest:hunter2@x"),
                            capture_output=True, text=True, timeout=30)  # fmt: skip
    assert result.returncode == 2 and "hunter2" not in result.stderr and "RABBITMQ_URL" in result.stderr
