"""Start-up refusals of the real `python -m api` (issue 14, items 2, 10, 11): one line naming the
setting on stderr, a non-zero exit, no traceback, no secret echoed; and `--help` lists the settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.settings import EXAMPLE_AUTH_SECRET, ApiSettings
from tests.support.mongo import free_port

ROOT = Path(__file__).resolve().parents[2]
LONG_SECRET = "0123456789abcdef" * 4


def _run(*args: str, timeout: float = 60, **settings: str) -> subprocess.CompletedProcess:
    ours = {name.upper() for name in ApiSettings.model_fields}
    env = {k: v for k, v in os.environ.items() if k not in ours}
    return subprocess.run([sys.executable, "-m", *args], env={**env, "PORT": str(free_port()), **settings},
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)  # fmt: skip


def _one_line(result: subprocess.CompletedProcess, setting: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode not in (0, None), result
    assert len(lines) == 1 and setting in lines[0] and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.mark.parametrize("secret", ["Q", "Z" * 31, EXAMPLE_AUTH_SECRET, ""], ids=["one", "31", "example", "empty"])
def test_production_refuses_a_short_or_example_auth_secret(secret):
    line = _one_line(_run("api", ENVIRONMENT="production", AUTH_SECRET=secret), "AUTH_SECRET")
    assert secret not in line or not secret


def test_the_refused_example_secret_is_the_one_in_env_example():
    example = dict(line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line)
    assert example["AUTH_SECRET"] == EXAMPLE_AUTH_SECRET


def test_production_accepts_a_long_random_secret():
    settings = ApiSettings(_env_file=None, environment="production", auth_secret=LONG_SECRET)
    assert settings.auth_secret.get_secret_value() == LONG_SECRET


@pytest.mark.parametrize("value", ["https://dashboard.example", '{"a": 1}', "[1, 2]"])
def test_cors_origins_that_is_not_a_json_list_is_one_line(value):
    assert _run("api", CORS_ORIGINS=value).returncode == 2
    _one_line(_run("api", CORS_ORIGINS=value), "CORS_ORIGINS")


def test_unreachable_mongodb_stops_start_up_within_its_wait():
    result = _run(
        "api", MONGODB_URL=f"mongodb://u:hunter2@127.0.0.1:{free_port()}/", MONGODB_CONNECT_TIMEOUT_SECONDS="1"
    )
    line = _one_line(result, "MONGODB_URL")
    assert "MONGODB_CONNECT_TIMEOUT_SECONDS" in line and "hunter2" not in result.stderr


def test_unreachable_rabbitmq_stops_start_up_within_its_wait():
    result = _run(
        "api", RABBITMQ_URL=f"amqp://guest:hunter2@127.0.0.1:{free_port()}/", RABBITMQ_CONNECT_TIMEOUT_SECONDS="1"
    )
    line = _one_line(result, "RABBITMQ_URL")
    assert "RABBITMQ_CONNECT_TIMEOUT_SECONDS" in line and "hunter2" not in result.stderr


def test_the_worker_refuses_an_unreachable_rabbitmq_alike():
    result = _run(
        "api.worker", RABBITMQ_URL=f"amqp://guest:guest@127.0.0.1:{free_port()}/", RABBITMQ_CONNECT_TIMEOUT_SECONDS="1"
    )
    _one_line(result, "RABBITMQ_URL")


@pytest.mark.parametrize("module", ["api", "api.worker"])
def test_help_prints_usage_and_every_setting_then_exits_0(module):
    # A setting that would stop start-up proves --help starts nothing.
    result = _run(module, "--help", RABBITMQ_URL=f"amqp://guest:guest@127.0.0.1:{free_port()}/", timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: python -m {module}")
    for name, field in ApiSettings.model_fields.items():
        assert f"\n  {name.upper()} (default: " in result.stdout
        assert field.description and field.description.split()[0] in result.stdout
    assert "(default: partners)" in result.stdout and "(default: 8000)" in result.stdout
