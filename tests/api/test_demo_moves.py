"""`python -m api --demo` simulates a live server: it prints the dashboard address with the token,
applications keep arriving and members join through partners, and SIGTERM stops it cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.api.test_startup import _env
from tests.support.mongo import free_port

QUERY = """{ guild(id: "1100000000000000000") {
  limits { pendingCount }
  applications(status: PENDING, first: 1, order: NEWEST_FIRST) { totalCount edges { node { partner { name } } } }
  joinSeries(days: 1) { joins }
  partnerships(status: ACTIVE, first: 100) { edges { node { partner { name } reciprocity
    health { status problems { issue graceEndsAt } } } } } } }"""


def _ask(port: int, token: str) -> dict:
    for _ in range(100):
        try:
            response = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": QUERY},
                                  headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            return response.json()["data"]["guild"]
        except httpx.ConnectError:
            time.sleep(0.1)
    raise AssertionError("the API never answered")


@pytest.mark.slow  # a real `python -m api --demo` process, watched for seconds
def test_the_demo_prints_the_dashboard_and_token_then_moves_and_stops_cleanly():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "--demo", "--demo-every", "0.3"],
        env=_env(PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (lines and lines[-1].startswith("ey")):
            lines.append(process.stdout.readline().strip())
        dashboard = next(i for i, line in enumerate(lines) if f"http://127.0.0.1:{port}/dashboard/" in line)
        token = lines[-1]
        assert dashboard >= len(lines) - 3  # printed together with the token

        first = _ask(port, token)
        seen = first
        deadline = time.monotonic() + 20  # a bound on waiting, not a speed claim
        while time.monotonic() < deadline and seen["limits"]["pendingCount"] <= first["limits"]["pendingCount"]:
            time.sleep(0.2)
            seen = _ask(port, token)
        assert seen["limits"]["pendingCount"] > first["limits"]["pendingCount"]
        newest = seen["applications"]["edges"][0]["node"]["partner"]["name"]
        assert newest not in {e["node"]["partner"]["name"] for e in first["applications"]["edges"]}

        while time.monotonic() < deadline and seen["joinSeries"][0]["joins"] == 0:
            time.sleep(0.2)
            seen = _ask(port, token)
        assert seen["joinSeries"][0]["joins"] > 0  # members joined through a partner's tracked invite
        mutual = {e["node"]["partner"]["name"]: e["node"]["reciprocity"] for e in seen["partnerships"]["edges"]}
        assert mutual["Mutual Friends Hub"] == "YES"
        health = {e["node"]["partner"]["name"]: e["node"]["health"] for e in seen["partnerships"]["edges"]}
        assert health["Old Friends Network"]["status"] == "AT_RISK"  # its invite stopped resolving
        assert [p["issue"] for p in health["Old Friends Network"]["problems"]] == ["PARTNER_INVITE_INVALID"]
        assert health["Mutual Friends Hub"]["status"] == "OK"
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert "Traceback" not in output and "demo tick failed" not in output, output
