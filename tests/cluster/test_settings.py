"""Cluster settings, shard assignment and the ``python -m cluster`` start-up errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bus.routing import shard_for
from cluster.settings import ClusterSettings, SettingsError, load_settings
from cluster.sharding import cluster_shard_ids, format_shard_ids, parse_shard_ids

ROOT = Path(__file__).resolve().parents[2]


def settings(**kw: object) -> ClusterSettings:
    kw.setdefault("discord_token", "tok")
    return load_settings(_env_file=None, **kw)


@pytest.mark.parametrize(
    ("spec", "ids"),
    [("0-3", [0, 1, 2, 3]), ("0,2", [0, 2]), ("5", [5]), ("0-1, 8 ,10-11", [0, 1, 8, 10, 11])],
)
def test_parse_shard_ids(spec: str, ids: list[int]) -> None:
    assert parse_shard_ids(spec) == ids
    assert parse_shard_ids(format_shard_ids(ids)) == ids


@pytest.mark.parametrize("spec", ["", "a", "3-1", "0,,1", "0-2,2", "-1", "1-"])
def test_parse_shard_ids_rejects(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_shard_ids(spec)


@pytest.mark.parametrize(("shards", "nodes"), [(1, 1), (4, 2), (10, 3), (16, 16), (100, 7)])
def test_cluster_split_covers_every_shard_once(shards: int, nodes: int) -> None:
    blocks = [cluster_shard_ids(i, nodes, shards) for i in range(nodes)]
    assert sorted(s for b in blocks for s in b) == list(range(shards))
    assert max(map(len, blocks)) - min(map(len, blocks)) <= 1
    assert all(b == list(range(b[0], b[-1] + 1)) for b in blocks)  # contiguous


def test_the_shard_of_a_guild_is_discords_formula() -> None:
    assert shard_for(41771983423143937, 1) == 0
    assert shard_for("175928847299117063", 16) == (175928847299117063 >> 22) % 16


def test_owned_shards_from_each_source() -> None:
    assert settings(shard_count=4).owned_shards == [0, 1, 2, 3]
    assert settings(shard_count=4, shard_ids="2-3").owned_shards == [2, 3]
    assert settings(shard_count=4, shard_ids=[0, 2]).owned_shards == [0, 2]
    assert settings(shard_count=10, cluster_index=2, cluster_count=3).owned_shards == [6, 7, 8, 9]


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "DISCORD_TOKEN": "env-token",
        "SHARD_COUNT": "8",
        "SHARD_IDS": "4-7",
        "DISCORD_API_BASE": "http://nirn:8080/api/v10/",
        "DISCORD_GATEWAY_URL": "ws://gw.local/",
        "HEALTH_PORT": "",
        "IDENTIFY_CONCURRENCY": "16",
    }.items():
        monkeypatch.setenv(key, value)
    s = load_settings(_env_file=None)
    assert s.owned_shards == [4, 5, 6, 7] and s.shard_count == 8
    assert s.discord_api_base == "http://nirn:8080/api/v10"
    assert s.health_port is None and s.identify_concurrency == 16
    assert s.discord_token.get_secret_value() == "env-token"


@pytest.mark.parametrize(
    ("kw", "names"),
    [
        ({"shard_count": "abc"}, "SHARD_COUNT"),
        ({"shard_count": 0}, "SHARD_COUNT"),
        ({"shard_count": 4, "shard_ids": "0-4"}, "SHARD_IDS"),
        ({"shard_count": 4, "shard_ids": "x"}, "SHARD_IDS"),
        ({"shard_count": 4, "shard_ids": "0", "cluster_index": 0, "cluster_count": 2}, "SHARD_IDS"),
        ({"shard_count": 4, "cluster_index": 0}, "CLUSTER_COUNT"),
        ({"shard_count": 4, "cluster_index": 2, "cluster_count": 2}, "CLUSTER_INDEX"),
        ({"shard_count": 2, "cluster_index": 0, "cluster_count": 3}, "CLUSTER_COUNT"),
        ({"discord_api_base": "discord.com"}, "DISCORD_API_BASE"),
        ({"discord_gateway_url": "http://x"}, "DISCORD_GATEWAY_URL"),
        ({"rabbitmq_url": "http://x"}, "RABBITMQ_URL"),
        ({"health_port": 70000}, "HEALTH_PORT"),
        ({"identify_interval": -1}, "IDENTIFY_INTERVAL"),
        ({"log_level": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_bad_values_name_the_setting_in_one_line(kw: dict, names: str) -> None:
    with pytest.raises(SettingsError) as err:
        settings(**kw)
    message = str(err.value)
    assert message.startswith(f"invalid setting {names}:") and "\n" not in message


def test_token_is_secret() -> None:
    s = settings(discord_token="super-secret-token", rabbitmq_url="amqp://u:pw@host/")
    assert "super-secret-token" not in repr(s) and "super-secret-token" not in s.summary()
    assert "pw@" not in repr(s) and "pw@" not in s.summary()
    with pytest.raises(SettingsError) as err:
        load_settings(_env_file=None, discord_token="Bot super-secret-token")
    assert "super-secret-token" not in str(err.value)


def run_cluster(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    ours = {name.upper() for name in ClusterSettings.model_fields}
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    return subprocess.run(
        [sys.executable, "-m", "cluster"],
        cwd=ROOT,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_python_m_cluster_stops_on_a_bad_value_with_one_line() -> None:
    result = run_cluster({"DISCORD_TOKEN": "very-secret", "SHARD_COUNT": "4", "SHARD_IDS": "2-5"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "cluster: invalid setting SHARD_IDS: shard 4 is not below SHARD_COUNT=4"
    ]
    assert "very-secret" not in result.stderr + result.stdout


def test_python_m_cluster_refuses_a_bad_rabbitmq_url_without_echoing_it() -> None:
    result = run_cluster({"DISCORD_TOKEN": "t", "RABBITMQ_URL": "http://guest:hunter2@127.0.0.1/"})
    assert result.returncode == 2
    assert "RABBITMQ_URL" in result.stderr and "hunter2" not in result.stderr
