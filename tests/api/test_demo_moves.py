"""`python -m api --demo` simulates a live server: it prints the dashboard address with the token,
applications keep arriving and members join through partners, and SIGTERM stops it cleanly."""

from __future__ import annotations

import time

import pytest

from tests.api.api_process import demo

QUERY = """{ guild(id: "1100000000000000000") {
  limits { pendingCount }
  applications(status: PENDING, first: 1, order: NEWEST_FIRST) { totalCount edges { node { partner { name } } } }
  joinSeries(days: 1) { joins }
  partnerships(status: ACTIVE, first: 100) { edges { node { partner { name } reciprocity
    health { status problems { issue graceEndsAt } } } } } } }"""


@pytest.mark.slow  # a real `python -m api --demo` process, watched for seconds
def test_the_demo_prints_the_dashboard_and_token_then_moves_and_stops_cleanly():
    with demo("--demo-every", "0.3") as running:
        dashboard = next(
            i for i, line in enumerate(running.lines) if f"http://127.0.0.1:{running.port}/dashboard/" in line
        )
        assert dashboard >= len(running.lines) - 3  # printed together with the token

        first = running.data(QUERY)["guild"]
        seen = first
        deadline = time.monotonic() + 20  # a bound on waiting, not a speed claim
        while time.monotonic() < deadline and seen["limits"]["pendingCount"] <= first["limits"]["pendingCount"]:
            time.sleep(0.2)
            seen = running.data(QUERY)["guild"]
        assert seen["limits"]["pendingCount"] > first["limits"]["pendingCount"]
        newest = seen["applications"]["edges"][0]["node"]["partner"]["name"]
        assert newest not in {e["node"]["partner"]["name"] for e in first["applications"]["edges"]}

        while time.monotonic() < deadline and seen["joinSeries"][0]["joins"] == 0:
            time.sleep(0.2)
            seen = running.data(QUERY)["guild"]
        assert seen["joinSeries"][0]["joins"] > 0  # members joined through a partner's tracked invite
        mutual = {e["node"]["partner"]["name"]: e["node"]["reciprocity"] for e in seen["partnerships"]["edges"]}
        assert mutual["Mutual Friends Hub"] == "YES"
        health = {e["node"]["partner"]["name"]: e["node"]["health"] for e in seen["partnerships"]["edges"]}
        assert health["Old Friends Network"]["status"] == "AT_RISK"  # its invite stopped resolving
        assert [p["issue"] for p in health["Old Friends Network"]["problems"]] == ["PARTNER_INVITE_INVALID"]
        assert health["Mutual Friends Hub"]["status"] == "OK"
    assert running.process.returncode == 0, running.output
    assert "Traceback" not in running.output and "demo tick failed" not in running.output, running.output
