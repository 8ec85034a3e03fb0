"""Fixtures of the tests where API processes meet the real broker and a shared database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from api.container import Container
from api.settings import ApiSettings
from tests.api.conftest import SECRET, make_settings, tokens  # noqa: F401
from tests.support.broker import broker_url, rabbitmq_url  # noqa: F401
from tests.support.mongo import mongo_db_name, mongo_server  # noqa: F401
from tests.support.private_broker import private_broker  # noqa: F401


@pytest.fixture
def system_settings() -> dict[str, Any]:
    """Overrides of the API settings of `test_discord_flows.system`; a test module may redefine it."""
    return {}


@pytest.fixture
def shared_settings(broker_url: str, mongo_server, mongo_db_name) -> ApiSettings:  # noqa: F811
    return make_settings(
        mongodb_url=mongo_server.url,
        mongodb_database=mongo_db_name,
        rabbitmq_url=broker_url,
        publish_timeout_seconds=10,
    )


@pytest.fixture
async def open_container(shared_settings: ApiSettings) -> AsyncIterator[Callable]:
    """Opens containers (like API replicas) on the shared broker and database; closed at the end."""
    opened: list[Container] = []

    async def open_one(**overrides) -> Container:
        settings = shared_settings.model_copy(update=overrides) if overrides else shared_settings
        container = await Container.open(settings)
        opened.append(container)
        return container

    yield open_one
    for container in opened:
        await container.close()


def process_env(settings: ApiSettings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "RABBITMQ_", "AUTH_"))}
    env.update(
        MONGODB_URL=settings.mongodb_url,
        MONGODB_DATABASE=settings.mongodb_database,
        RABBITMQ_URL=settings.rabbitmq_url.get_secret_value(),
        AUTH_SECRET=SECRET,
        SHARD_COUNT=str(settings.shard_count),
        JOURNAL_RELAY_SECONDS="0.2",
        **extra,
    )
    return env


@pytest.fixture
def worker_process(shared_settings: ApiSettings) -> Iterator[Callable[[], subprocess.Popen]]:
    """Starts `python -m api.worker` processes; any still running are stopped at the end."""
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "api.worker"], env=process_env(shared_settings))
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
