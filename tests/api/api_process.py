"""`python -m api` as a real process: an environment free of this machine's API settings, and the
demo started on a free port up to the token it prints."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx

from tests.support.mongo import free_port


def api_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "RABBITMQ_", "AUTH_", "PORT", "HOST"))}
    return {**env, **extra}


@dataclass
class Demo:
    process: subprocess.Popen
    port: int
    lines: list[str] = field(default_factory=list)  # what it printed up to the token
    output: str = ""  # what it printed after, once stopped

    @property
    def token(self) -> str:
        return self.lines[-1]

    def data(self, query: str) -> dict:
        """The query's data, once the server answers."""
        for _ in range(100):
            try:
                response = httpx.post(f"http://127.0.0.1:{self.port}/graphql", json={"query": query},
                                      headers={"Authorization": f"Bearer {self.token}"})  # fmt: skip
                return response.json()["data"]
            except httpx.ConnectError:
                time.sleep(0.1)
        raise AssertionError("the API never answered")


@contextlib.contextmanager
def demo(*args: str) -> Iterator[Demo]:
    """`python -m api --demo *args`, read up to the token it prints; stopped with SIGTERM on leaving."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "api", "--demo", *args], env=api_env(PORT=str(port)),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    running = Demo(process, port)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (running.lines and running.lines[-1].startswith("ey")):
            running.lines.append(process.stdout.readline().strip())
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        running.output, _ = process.communicate(timeout=20)
