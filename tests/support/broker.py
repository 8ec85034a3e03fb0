"""The real RabbitMQ broker for tests: a private vhost per test session, and fault injection.

Several people run tests against the one broker at the same time, so each session gets its own vhost
(test-<uuid8>) and nothing else is touched. Nothing here stops or restarts that broker: the fault
tests that need a broker outage run on a node of their own (`tests/support/private_broker.py`).
Tests FAIL, never skip, when the broker is missing: a skipped bus test proves nothing.

Use from any test folder's conftest.py:

    from tests.support.broker import broker_url, rabbitmq_url  # noqa: F401
    from tests.support.private_broker import private_broker  # noqa: F401  (for outage tests)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import urllib.parse
import uuid
from collections.abc import Iterator

import pytest

HOST = os.environ.get("RABBITMQ_TEST_HOST", "127.0.0.1")
PORT = int(os.environ.get("RABBITMQ_TEST_PORT", "5672"))
USER = "guest"
PASSWORD = "guest"
RABBITMQCTL = os.environ.get("RABBITMQCTL", "rabbitmqctl")

# Names the bus declares; deleted between tests so each test starts from an empty topology.
_EXCHANGES = ("partners.commands", "partners.events", "partners.live", "partners.dlx")
_QUEUES = ("partners.events.api", *(f"partners.events.api.{p}" for p in range(8)), "partners.dlq")
_MAX_SHARDS = 64


class BrokerCommandFailed(RuntimeError):
    pass


def rabbitmqctl(*args: str, timeout: float = 60.0) -> str:
    """Run one rabbitmqctl command; raises BrokerCommandFailed with its output when it fails."""
    exe = shutil.which(RABBITMQCTL) or shutil.which(RABBITMQCTL, path="/usr/sbin:/sbin")
    if exe is None:
        raise BrokerCommandFailed(f"{RABBITMQCTL} not found: is rabbitmq-server installed?")
    proc = subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise BrokerCommandFailed(
            f"rabbitmqctl {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}"
        )
    return proc.stdout


def broker_listening(timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=timeout):
            return True
    except OSError:
        return False


def require_broker() -> None:
    if not broker_listening():
        pytest.fail(
            f"RabbitMQ is not listening on {HOST}:{PORT}. Start it with `rabbitmq-server -detached` "
            "(ready about 6 s later). Bus tests need the real broker and never skip.",
            pytrace=False,
        )


def vhost_of(url: str) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(url).path.lstrip("/")) or "/"


def create_vhost() -> tuple[str, str]:
    """A fresh vhost the guest user may use: (vhost, amqp url)."""
    vhost = f"test-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, USER, ".*", ".*", ".*")
    return vhost, f"amqp://{USER}:{PASSWORD}@{HOST}:{PORT}/{urllib.parse.quote(vhost, safe='')}"


def delete_vhost(vhost: str) -> None:
    rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session")
def rabbitmq_url() -> Iterator[str]:
    """amqp:// URL of a private vhost, created for the test session and deleted after it."""
    require_broker()
    try:
        vhost, url = create_vhost()
    except BrokerCommandFailed as exc:
        pytest.fail(f"cannot create a test vhost: {exc}", pytrace=False)
    try:
        yield url
    finally:
        with contextlib.suppress(BrokerCommandFailed, subprocess.TimeoutExpired):
            delete_vhost(vhost)


async def reset_topology(url: str) -> None:
    """Delete the bus's queues and exchanges in the vhost, so the next test starts empty. Cheaper
    than a vhost per test (each rabbitmqctl call costs about 0.35 s)."""
    import aio_pika  # imported here: only tests that talk to the broker need it

    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        names = [*_QUEUES, *(f"partners.commands.shard.{n}" for n in range(_MAX_SHARDS))]
        for name in names:
            # Deleting a queue that does not exist is a no-op in RabbitMQ.
            await channel.queue_delete(name)
        for name in _EXCHANGES:
            await channel.exchange_delete(name)
    finally:
        await connection.close()


def close_all_connections(vhost: str, reason: str = "test fault injection") -> None:
    """Close every client connection of one vhost (the session's own): other people's connections to
    the machine's broker stay up."""
    rabbitmqctl("close_all_connections", "--vhost", vhost, reason)


async def arabbitmqctl(*args: str) -> str:
    """rabbitmqctl from async code, in a thread so the event loop (and the bus under test) runs on."""
    return await asyncio.to_thread(rabbitmqctl, *args)


@pytest.fixture
async def broker_url(request: pytest.FixtureRequest) -> str:
    """The broker of one test, emptied of the bus's queues and exchanges left by earlier tests: the
    session's vhost on the shared broker, or, for a test that also asks for `private_broker` (it
    stops a broker), that node of the session's own."""
    if "private_broker" in request.fixturenames:
        url = request.getfixturevalue("private_broker").url
    else:
        url = request.getfixturevalue("rabbitmq_url")
    await reset_topology(url)
    return url
