"""docker-compose.yml, checked by Docker Compose itself (`config`, offline) with .env.example: it is valid,
has the production shape, and every process's settings are valid settings of that process."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import aio_pika
import pytest

from api.settings import ApiSettings
from bus import make_bus
from bus.rabbit import RabbitBus
from bus.topology import (
    COMMANDS_EXCHANGE,
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    EVENT_PARTITIONS,
    EVENTS_EXCHANGE,
    EVENTS_QUEUE,
    LIVE_EXCHANGE,
    event_queue_name,
    partition_queue_arguments,
    work_queue_arguments,
)
from cluster.settings import ClusterSettings

from .compose import COMPOSE_FILE, ENV_EXAMPLE, ROOT, compose_config, example_env

SERVICES = {"mongo", "rabbitmq", "api-1", "api-2", "cluster-0", "cluster-1", "proxy"}
DEFINITIONS = ROOT / "infra" / "rabbitmq" / "definitions.json"


@pytest.fixture(scope="module")
def config() -> dict:
    proc, parsed = compose_config()
    assert proc.returncode == 0, proc.stderr
    assert "is not set" not in proc.stderr, proc.stderr  # every variable comes from the env file
    assert parsed is not None
    return parsed


def test_services_healthchecks_and_start_order(config: dict) -> None:
    services = config["services"]
    assert set(services) == SERVICES
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"

    def waits_for(name: str) -> dict[str, str]:
        return {dep: spec["condition"] for dep, spec in (services[name].get("depends_on") or {}).items()}

    for api in ("api-1", "api-2"):
        assert waits_for(api) == {"mongo": "service_healthy", "rabbitmq": "service_healthy"}
    for node in ("cluster-0", "cluster-1"):
        assert waits_for(node) == {"rabbitmq": "service_healthy"}
    assert waits_for("proxy") == {"api-1": "service_healthy", "api-2": "service_healthy"}

    # The replica set is initiated by mongo's healthcheck; the broker loads its definitions.
    assert "--replSet" in (ROOT / "infra/mongo/start.sh").read_text()
    assert "replica-set.js" in " ".join(services["mongo"]["healthcheck"]["test"])
    assert "rs.initiate" in (ROOT / "infra/mongo/replica-set.js").read_text()
    assert "management" in services["rabbitmq"]["image"]
    mounts = {m["target"]: m["source"] for m in services["rabbitmq"]["volumes"] if m["type"] == "bind"}
    assert mounts["/etc/rabbitmq/conf.d/20-partners.conf"].endswith("infra/rabbitmq/rabbitmq.conf")
    assert "load_definitions = /etc/rabbitmq/definitions.json" in (ROOT / "infra/rabbitmq/rabbitmq.conf").read_text()


def test_one_public_port_and_websockets_proxied(config: dict) -> None:
    services = config["services"]
    public = {
        name for name, s in services.items() for p in s.get("ports", []) if p.get("host_ip") in (None, "", "0.0.0.0")
    }
    assert public == {"proxy"}
    nginx = (ROOT / "infra/nginx/nginx.conf").read_text()
    assert "server api-1:8000" in nginx and "server api-2:8000" in nginx
    assert "proxy_set_header Upgrade $http_upgrade" in nginx


def test_processes_commands_and_shards(config: dict) -> None:
    services = config["services"]
    for api in ("api-1", "api-2"):
        assert services[api]["command"] == ["python", "-m", "api"]
        assert services[api]["environment"]["RUN_WORKER"] == "true"
    for index, node in enumerate(("cluster-0", "cluster-1")):
        env = services[node]["environment"]
        assert services[node]["command"] == ["python", "-m", "cluster"]
        assert (env["CLUSTER_INDEX"], env["CLUSTER_COUNT"]) == (str(index), "2")
    shard_counts = {s["environment"]["SHARD_COUNT"] for n, s in services.items() if n.startswith(("api", "cluster"))}
    assert len(shard_counts) == 1, "SHARD_COUNT must be the same everywhere"
    for name in ("api-1", "api-2", "cluster-0", "cluster-1"):
        assert services[name]["environment"]["LOG_FORMAT"] == "json"
        assert services[name]["build"]["dockerfile"].endswith("infra/Dockerfile")


def test_every_setting_is_a_valid_setting_of_its_process(config: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    services = config["services"]
    for name, settings_class in (
        ("api-1", ApiSettings),
        ("cluster-0", ClusterSettings),
        ("cluster-1", ClusterSettings),
    ):
        env = services[name]["environment"]
        unknown = {k for k in env if k.lower() not in settings_class.model_fields}
        assert not unknown, f"{name}: {unknown} are not settings of {settings_class.__name__}"
        with monkeypatch.context() as patch:
            for field in settings_class.model_fields:
                patch.delenv(field.upper(), raising=False)
            for key, value in env.items():
                patch.setenv(key, value)
            settings = settings_class(_env_file=None)
        assert settings.log_format == "json"
    shards = [ClusterSettings(_env_file=None, **_lower(services[n]["environment"])).owned_shards
              for n in ("cluster-0", "cluster-1")]  # fmt: skip
    assert sorted(shards[0] + shards[1]) == list(range(int(services["api-1"]["environment"]["SHARD_COUNT"])))
    assert not set(shards[0]) & set(shards[1])


def test_every_variable_comes_from_the_example_env() -> None:
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", COMPOSE_FILE.read_text()))
    missing = used - set(example_env())
    assert not missing, f"add {sorted(missing)} to .env.example"


def test_an_env_without_the_secrets_is_refused(tmp_path: Path) -> None:
    env = tmp_path / "partial.env"
    env.write_text(
        "\n".join(line for line in ENV_EXAMPLE.read_text().splitlines() if not line.startswith("AUTH_SECRET"))
    )
    proc, _ = compose_config(env)
    assert proc.returncode != 0 and "AUTH_SECRET" in proc.stderr


def test_dockerfile_is_multi_stage_slim_and_non_root() -> None:
    dockerfile = (ROOT / "infra/Dockerfile").read_text()
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in dockerfile
    assert "AS builder" in dockerfile and "pip wheel" in dockerfile
    assert re.search(r"^USER 10001", dockerfile, re.M)
    assert "AS api" in dockerfile and "AS cluster" in dockerfile


def test_broker_definitions_match_the_topology() -> None:
    definitions = json.loads(DEFINITIONS.read_text())
    exchanges = {e["name"]: e["type"] for e in definitions["exchanges"]}
    assert exchanges == {COMMANDS_EXCHANGE: "direct", EVENTS_EXCHANGE: "topic", LIVE_EXCHANGE: "fanout",
                         DEAD_LETTER_EXCHANGE: "fanout"}  # fmt: skip
    queues = {q["name"]: q["arguments"] for q in definitions["queues"]}
    limit = inspect.signature(RabbitBus).parameters["delivery_limit"].default
    assert queues[EVENTS_QUEUE] == work_queue_arguments(limit)  # else every process fails to declare it
    for partition in range(EVENT_PARTITIONS):
        assert queues[event_queue_name(partition)] == partition_queue_arguments(limit)
    bindings = {(b["destination"], b["routing_key"]) for b in definitions["bindings"] if b["source"] == EVENTS_EXCHANGE}
    assert bindings == {(EVENTS_QUEUE, "*.*")} | {(event_queue_name(p), f"p{p}.#") for p in range(EVENT_PARTITIONS)}
    assert queues[DEAD_LETTER_QUEUE] == {"x-queue-type": "quorum"}
    work_policy = next(p for p in definitions["policies"] if p["name"] == "partners-work")
    assert work_policy["definition"] == {"dead-letter-exchange": DEAD_LETTER_EXCHANGE, "delivery-limit": limit}
    pattern = re.compile(work_policy["pattern"])
    assert pattern.match(EVENTS_QUEUE) and pattern.match("partners.commands.shard.17")
    assert not pattern.match(DEAD_LETTER_QUEUE)


async def test_the_bus_accepts_queues_declared_as_the_definitions_declare_them(broker_url: str) -> None:
    definitions = json.loads(DEFINITIONS.read_text())
    connection = await aio_pika.connect(broker_url)
    try:
        channel = await connection.channel()
        for queue in definitions["queues"]:
            await channel.declare_queue(queue["name"], durable=True, arguments=queue["arguments"])
    finally:
        await connection.close()
    bus = make_bus(broker_url, shard_count=2)
    await bus.start()  # a TopologyMismatch here would stop every process of a compose deployment
    try:

        async def handler(_env) -> None:
            return None

        await bus.consume_events(handler)
    finally:
        await bus.close()


def _lower(env: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in env.items()}
