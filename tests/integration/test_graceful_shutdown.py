"""Graceful shutdown on SIGTERM: the event worker stops consuming, finishes what it is handling and
exits 0 (what it had not started is redelivered); `python -m api` closes its websockets with 1001."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets

from api.auth import EDIT, VIEW, TokenService
from tests.api.factories import GUILD, joined
from tests.support.metrics import scrape
from tests.support.mongo import free_port

from .conftest import SECRET, process_env
from .test_worker_faults import _count, _publish_all, _seed, assert_counted_exactly, wait_for_count

N = 2000
GRACE = 5.0
EXIT_BOUND = GRACE + 10.0  # stop consuming + running handlers (<= GRACE) + closing connections


def _start(settings, log_path: Path, *args: str, **env: str) -> subprocess.Popen:
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", *args],
            env=process_env(settings, SHUTDOWN_GRACE_SECONDS=str(GRACE), LOG_FORMAT="json", **env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def _wait_exit(process: subprocess.Popen, bound: float) -> tuple[int, float]:
    started = time.monotonic()
    while process.poll() is None:
        if time.monotonic() - started > bound:
            process.kill()
            pytest.fail(f"process still running {bound}s after SIGTERM")
        await asyncio.sleep(0.05)
    return process.returncode, time.monotonic() - started


def _json_lines(path: Path) -> list[dict]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"a log line is not JSON: {line[:200]!r}")
    return parsed


@pytest.mark.slow
@pytest.mark.timeout(900)  # only a stall fails the test; a busy machine makes it slow
async def test_sigterm_mid_stream_then_restart_counts_every_join_once(open_container, shared_settings, tmp_path):
    container, partnership = await _seed(open_container)
    events = [joined(GUILD, "trk", user_id=2_100_000_000_000_000_000 + i) for i in range(N)]
    log_path = tmp_path / "worker.log"
    worker = _start(shared_settings, log_path, "api.worker")
    await _publish_all(shared_settings.rabbitmq_url.get_secret_value(), events)

    await wait_for_count(container, partnership.id, N // 5)  # SIGTERM mid-stream
    worker.send_signal(signal.SIGTERM)
    code, took = await _wait_exit(worker, EXIT_BOUND)
    assert code == 0, log_path.read_text()[-3000:]
    at_exit = await _count(container, partnership.id)
    assert at_exit < N, "the stream should still be running when the worker was stopped"
    await asyncio.sleep(1.0)  # the point of the wait: for a second after the exit, nothing more is handled
    assert await _count(container, partnership.id) == at_exit, "nothing may be handled after the exit"

    restarted = _start(shared_settings, log_path, "api.worker")
    try:
        await assert_counted_exactly(container, partnership.id, N)
    finally:
        restarted.send_signal(signal.SIGTERM)
        code, _ = await _wait_exit(restarted, EXIT_BOUND)
    assert code == 0

    entries = _json_lines(log_path)
    messages = [e["message"] for e in entries]
    assert any("SIGTERM received: draining" in m for m in messages)
    assert sum("event worker stopped" in m for m in messages) == 2
    assert all({"time", "level", "logger", "message"} <= e.keys() for e in entries)
    text = log_path.read_text()
    assert SECRET not in text and "guest:guest@" not in text
    print(f"worker exited 0 in {took:.2f}s after SIGTERM with {at_exit} of {N} counted")


@pytest.mark.timeout(120)
async def test_api_sigterm_closes_websockets_with_going_away(shared_settings, tmp_path):
    port = free_port()
    log_path = tmp_path / "api.log"
    api = _start(shared_settings, log_path, "api", HOST="127.0.0.1", PORT=str(port), RUN_WORKER="true")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text()[-3000:]
                await asyncio.sleep(0.1)
            token = TokenService(SECRET, 15).issue(1, {GUILD: [VIEW, EDIT]})
            async with websockets.connect(
                f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
            ) as ws:
                await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
                assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
                query = f'subscription {{ partnershipQueue(guildId: "{GUILD}") {{ type }} }}'
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
                async with asyncio.timeout(10):  # the server holds the subscription before it is told to stop
                    while sum((await scrape(http, "partners_graphql_subscriptions_open")).values()) < 1:
                        await asyncio.sleep(0.05)
                api.send_signal(signal.SIGTERM)
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    async with asyncio.timeout(10):
                        while True:
                            await ws.recv()
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
        code, _ = await _wait_exit(api, EXIT_BOUND)
        assert code == 0, log_path.read_text()[-3000:]
        messages = [e["message"] for e in _json_lines(log_path)]
        assert any("1 websockets closed" in m for m in messages), messages
    finally:
        if api.poll() is None:
            api.kill()
