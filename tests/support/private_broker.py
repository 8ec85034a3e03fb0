"""A RabbitMQ node of the test session's own, for the few fault tests that stop a broker.

The broker on 127.0.0.1:5672 is shared by everything running on the machine (other suites, other
checkouts, benchmarks): stopping it would cut them off mid-run. A test that needs a broker outage
asks for `private_broker` instead: a node with its own name, AMQP port, distribution port and data
folder, started lazily once per session (and per xdist worker) the first time a test asks for it,
and always stopped (its folder removed) at the end of the session, whatever happened.

Recipe checked on this machine (/work/shared/notes/private-broker.md, RabbitMQ 3.10 from Debian):
- the machine's rabbitmq.conf pins the listener to 5672, so the node gets a config file of its own
  with `listeners.tcp.local` (RABBITMQ_NODE_PORT alone is ignored);
- run as root, /usr/sbin/rabbitmq-server switches user and drops the environment, so the server
  script is run as the `rabbitmq` user directly, from its home (where the Erlang cookie is).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.broker import PASSWORD, USER, BrokerCommandFailed
from tests.support.mongo import free_port

SERVER = os.environ.get("RABBITMQ_SERVER_SCRIPT", "/usr/lib/rabbitmq/bin/rabbitmq-server")
CTL = os.environ.get("RABBITMQ_CTL_SCRIPT", "/usr/lib/rabbitmq/bin/rabbitmqctl")
RABBITMQ_USER = "rabbitmq"
RABBITMQ_HOME = "/var/lib/rabbitmq"  # the Erlang cookie the CLI tools and the node share
START_TIMEOUT = 120.0  # about 10 s on a quiet machine; much more when the machine is busy


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def _as_rabbitmq(argv: list[str], env: dict[str, str]) -> list[str]:
    """The command line that runs `argv` with `env` as the rabbitmq user (the node and the CLI
    must share its Erlang cookie). A developer who is not root runs it as themselves."""
    inline = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command = f"cd {RABBITMQ_HOME} && exec env {inline} {shlex.join(argv)}"
    if os.geteuid() == 0:
        return ["su", RABBITMQ_USER, "-s", "/bin/sh", "-c", command]
    return ["/bin/sh", "-c", command]


class PrivateBroker:
    """One RabbitMQ node on free ports, in a temporary folder. `url` for the bus; `stop_app()` /
    `start_app()` are the fault; `stop()` ends the node and removes its folder."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:8]
        self.node = f"tests-{tag}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix=f"rabbitmq-tests-{tag}-"))
        self.started = False

    @property
    def url(self) -> str:
        return f"amqp://{USER}:{PASSWORD}@127.0.0.1:{self.port}/"

    def _env(self) -> dict[str, str]:
        d = self.folder
        return {
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_CONFIG_FILE": str(d / "rabbitmq.conf"),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(d / "mnesia"),
            "RABBITMQ_LOG_BASE": str(d / "log"),
            "RABBITMQ_PID_FILE": str(d / "pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(d / "enabled_plugins"),
        }

    def ctl(self, *args: str, timeout: float = 120.0) -> str:
        """rabbitmqctl against this node only (`-n`), never the machine's broker."""
        proc = subprocess.run(
            _as_rabbitmq([CTL, "-n", self.node, *args], {}),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0:
            raise BrokerCommandFailed(
                f"rabbitmqctl -n {self.node} {' '.join(args)} failed ({proc.returncode}): "
                f"{proc.stderr.strip() or proc.stdout.strip()}"
            )
        return proc.stdout

    def start(self) -> PrivateBroker:
        if not Path(SERVER).exists():
            raise BrokerCommandFailed(f"{SERVER} not found: is rabbitmq-server installed?")
        (self.folder / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        if os.geteuid() == 0:
            shutil.chown(self.folder, RABBITMQ_USER, RABBITMQ_USER)
            shutil.chown(self.folder / "rabbitmq.conf", RABBITMQ_USER, RABBITMQ_USER)
        self.started = True  # from here on, stop() has something to clean up
        subprocess.run(
            _as_rabbitmq([SERVER, "-detached"], self._env()),
            capture_output=True,
            timeout=60,
            check=True,
        )
        self.wait_until_listening(START_TIMEOUT)
        return self

    def wait_until_listening(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not _listening(self.port):
            if time.monotonic() > deadline:
                raise BrokerCommandFailed(f"private RabbitMQ node {self.node} not listening after {timeout:.0f}s")
            time.sleep(0.2)

    def stop_app(self) -> None:
        self.ctl("stop_app")

    def start_app(self) -> None:
        self.ctl("start_app")
        self.ctl("await_startup")
        self.wait_until_listening(60.0)

    def stop(self) -> None:
        """Stops the node (by name, then by its pid if it will not go) and removes its folder."""
        if not self.started:
            return
        self.started = False
        pid = self._pid()
        try:
            # With the pid file, `stop` returns once the node's process has exited.
            self.ctl("stop", str(self.folder / "pid"), timeout=60)
        except (BrokerCommandFailed, subprocess.TimeoutExpired):
            if pid is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            return int((self.folder / "pid").read_text().strip())
        return None

    @contextlib.asynccontextmanager
    async def stopped(self) -> AsyncIterator[None]:
        """This node's application stopped (its clients lose their connections) and started again on
        the way out, whatever happened inside; the event loop keeps running meanwhile."""
        await asyncio.to_thread(self.stop_app)
        try:
            yield
        finally:
            await asyncio.to_thread(self.start_app)


@pytest.fixture(scope="session")
def private_broker() -> Iterator[PrivateBroker]:
    """A RabbitMQ node of this session's own (guest/guest, vhost "/"), started the first time a test
    asks for it and stopped at the end of the session even when tests failed."""
    broker = PrivateBroker()
    try:
        try:
            broker.start()
        except (BrokerCommandFailed, subprocess.SubprocessError, OSError) as exc:
            pytest.fail(f"cannot start a private RabbitMQ node: {exc}", pytrace=False)
        yield broker
    finally:
        broker.stop()
