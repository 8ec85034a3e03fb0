"""Clearing a spam wave: 200 pending applications denied one `denyApplication` at a time versus
two `decideApplications` calls of 100, over HTTP on the embedded default (mongomock, in-process bus).

    .venv/bin/python bench/bulk_decisions.py            # 200 applications
    .venv/bin/python bench/bulk_decisions.py --count 100

Prints the wall time of each way, their ratio, and what the mutation rate limit alone would make the
one-at-a-time way take with the default settings (60 per minute after a burst of 20): the bulk call
counts once, so two calls clear the wave. The rate limit is raised for the measurement itself, so
what is timed is the work, not the limiter.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from api.app import create_app  # noqa: E402
from api.auth import EDIT, VIEW, TokenService  # noqa: E402
from api.container import Container  # noqa: E402
from api.graphql.ids import to_global_id  # noqa: E402
from api.settings import ApiSettings  # noqa: E402
from bus import Envelope  # noqa: E402

GUILD = 1100000000000000000
DENY = "mutation($id: ID!) { denyApplication(id: $id) { userErrors { code } } }"
DECIDE = "mutation($ids: [ID!]!) { decideApplications(ids: $ids, decision: DENY) { results { userErrors { code } } } }"


def _application(n: int) -> Envelope:
    data = {
        "source": "SLASH",
        "representative_id": str(1310000000000000000 + n),
        "advertisement": "Free nitro!!! join now",
        "partner": {"id": str(1260000000000000000 + n * 4194304), "name": f"Spam {n}", "icon_url": None,
                    "member_count": 500, "invite_code": f"spam{n}"},
        "reply": None,
        "ticket_channel_id": None,
    }  # fmt: skip
    return Envelope.new("application.submitted", GUILD, data, version=2)


async def _wave(container: Container, count: int) -> list[str]:
    await container.guild_settings.update(GUILD, {"application_cooldown_hours": 0})
    ids = []
    for n in range(count):
        app = await container.applications.submit(_application(n))
        ids.append(to_global_id("Application", app.id))
    return ids


async def _measure(count: int) -> tuple[float, float]:
    settings = ApiSettings(mutation_rate_per_minute=100_000, mutation_burst=100_000)
    tokens = TokenService(TokenService.generate_secret(), 15)
    token = tokens.issue(1, {GUILD: [VIEW, EDIT]})
    timings = []
    for bulk in (False, True):
        container = await Container.open(settings)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(create_app(settings, container=container, tokens=tokens), log_level="warning")
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}/graphql"
        ids = await _wave(container, count)
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
            started = time.perf_counter()
            if bulk:
                for start in range(0, len(ids), 100):
                    body = (
                        await http.post(base, json={"query": DECIDE, "variables": {"ids": ids[start : start + 100]}})
                    ).json()
                    assert not body.get("errors"), body
            else:
                for one in ids:
                    body = (await http.post(base, json={"query": DENY, "variables": {"id": one}})).json()
                    assert not body.get("errors"), body
            timings.append(time.perf_counter() - started)
        assert len((await container.writer.load(GUILD)).pending) == 0
        server.should_exit = True
        await task
        await container.close()
    return timings[0], timings[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    single, bulk = asyncio.run(_measure(args.count))
    limited = max(0, args.count - 20)  # seconds the default limit imposes: 60 a minute is one a second past the burst
    print(f"{args.count} applications denied")
    print(f"  one denyApplication each:        {single:7.2f} s  (the default rate limit alone: {limited:.0f} s)")
    print(f"  decideApplications, 100 per call: {bulk:7.2f} s  ({-(-args.count // 100)} mutations for the limit)")
    print(f"  ratio single / bulk:              {single / bulk:7.2f}")


if __name__ == "__main__":
    main()
