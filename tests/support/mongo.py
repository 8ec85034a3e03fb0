"""A MongoDB wire-protocol server (SecantusDB, test-only) for tests where several processes or
several app instances must share one real database over a socket.

mongomock-motor runs every call synchronously inside the event loop, so concurrent coroutines
never interleave on it: concurrency rules are therefore proven against this server, where they do.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"secantusd-py exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("secantusd-py did not start listening")


class MongoServer:
    """One secantusd-py process; `url` for motor. `restart()` keeps the data when `path` is a folder."""

    def __init__(self, storage: str = ":memory:"):
        self.port = free_port()
        self.storage = storage
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self) -> MongoServer:
        binary = shutil.which("secantusd-py") or str(Path(sys.executable).with_name("secantusd-py"))
        self.process = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", str(self.port), "--storage-path", self.storage],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port, self.process)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="session")
def mongo_server() -> Iterator[MongoServer]:
    server = MongoServer().start()
    yield server
    server.stop()


@pytest.fixture
def mongo_db_name() -> str:
    """A fresh database name per test on the shared server."""
    return f"t{uuid.uuid4().hex[:12]}"


__all__ = ["MongoServer", "free_port", "mongo_db_name", "mongo_server", "os"]
