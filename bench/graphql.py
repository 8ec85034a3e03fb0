"""GraphQL throughput and latency: the pending-queue query, `approveApplication` and a bare
`{ __typename }` on one uvicorn worker, with 50 concurrent clients.

The queue query runs twice: as the dashboard sends it (repeated, so after the first answer the server
answers from its kept answer while nothing it read has changed: api/graphql/result_cache.py), and
with `Cache-Control: no-store`, which makes the server execute every request (a queue that changes
between every two reads costs that).

    .venv/bin/python bench/graphql.py              # 1 s warm-up + 5 s per scenario
    .venv/bin/python bench/graphql.py --quick      # 1-second smoke run
    .venv/bin/python bench/graphql.py --profile queue   # py-spy on the server during the queue scenario

The server runs in a separate process (`bench/graphql.py --serve`), wired like `python -m api` on
the embedded default (mongomock in memory, in-process bus, event worker and journal relay on) and
seeded through the real services: the queue guild before it listens, the applications to approve
(100 per guild, maxActive 0) right before the approve scenario, so the read scenarios run on the
same data whatever `--seconds` is. This process is the load generator: 50 client tasks in a closed
loop over 50 keep-alive connections (httpx, one AsyncClient per task: httpcore's shared pool costs
more CPU than the server at 50 connections; `--client httpx-shared` shows it). Every response is
checked (status, `errors`, `userErrors`, the data's shape); failures are counted and printed, not timed.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, this folder comes first on sys.path and this very file would shadow graphql-core.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from api.lifecycle import start_live  # noqa: E402  (after the path fix: `bus` must be the package)
from api.worker import start_worker  # noqa: E402
from bench.common import (  # noqa: E402
    TRANSPORTS,
    LoadResult,
    closed_loop,
    free_port,
    graphql_check,
    kib_to_mib,
    machine_load,
    proc_status,
    read_json_line,
    round_robin,
    stop_child,
    table,
)
from bench.pyspy import PySpy, _package  # noqa: E402

QUEUE_GUILD = 1100000000000000000
APPROVE_GUILD_BASE = 1100000000000100000  # approve guilds are BASE + 0, 1, 2, ...
PAGE = 25
ACTIVE_CAP = 100  # per guild (maxActive 0 = the hard limit); pending is capped at 250
READY = "BENCH-READY "
SEEDED = "BENCH-SEEDED "

BARE_QUERY = "{ __typename }"
NO_STORE_SCENARIO = "queue, executed (no-store)"
QUEUE_QUERY = """query Queue($guild: Snowflake!) {
  guild(id: $guild) {
    applications(status: PENDING, first: 25) {
      totalCount
      edges { cursor node { id partner { id name iconUrl memberCount inviteCode }
                            representativeId advertisement source submittedAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""
APPROVE_MUTATION = """mutation Approve($id: ID!) {
  approveApplication(id: $id) {
    application { id status }
    partnership { id status }
    userErrors { code message }
  }
}"""

TARGET_RATIO = 0.3
TARGET_P99_MS = 50.0


def _have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _run(coro: Any) -> Any:
    """asyncio.run, on uvloop when it is installed (as uvicorn's "auto" loop would pick)."""
    if _have("uvloop"):
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(coro)
    return asyncio.run(coro)


# --- the server process ------------------------------------------------------------------------

NAMES = ["Pixel Painters", "The Study Hall", "Lo-fi Lounge", "Speedrun Central", "Cozy Gamers", "Anime Archive",
         "Indie Dev Hub", "Plant Parents", "Chess Club", "Retro Consoles", "Photography Corner", "Bookworms United"]  # fmt: skip
AD = ("Welcome to {name}! Weekly events, friendly staff, giveaways, voice chats every evening and custom roles. "
      "Looking for your people? Join us!")  # fmt: skip
GUILD_SETTINGS = {
    "max_active": 0,
    "min_partner_member_count": 100,
    "advertisement": "Join the bench guild: friendly people, weekly game nights and a partner network!",
}


async def _seed_guild(container: Any, guild_id: int, count: int) -> list[str]:
    """`count` pending applications through the real service; returns their global ids."""
    from api.graphql.ids import to_global_id
    from tests.api.factories import submitted

    await container.guild_settings.update(
        guild_id,
        {**GUILD_SETTINGS, "showcase_channel_id": guild_id + 1, "review_channel_id": guild_id + 2},
    )
    ids = []
    for i in range(count):
        name = f"{NAMES[i % len(NAMES)]} {i}"
        envelope = submitted(
            guild_id, name=name, members=1000 + 37 * i, advertisement=AD.format(name=name), source="SLASH"
        )
        app = await container.applications.submit(envelope)
        if app is None:
            raise RuntimeError(f"seeding guild {guild_id}: application {i} was refused")
        ids.append(to_global_id("Application", app.id))
    return ids


async def serve(args: argparse.Namespace) -> None:
    from datetime import timedelta

    import uvicorn

    from api.app import create_app
    from api.auth import EDIT, VIEW, TokenService
    from api.container import Container
    from api.settings import ApiSettings

    secret = TokenService.generate_secret()
    # Pinned to the embedded default whatever the environment says: never a real database or broker.
    settings = ApiSettings(
        _env_file=None, mongodb_url="", rabbitmq_url="", auth_secret=secret, host="127.0.0.1", port=args.port,
        log_level="WARNING",
    )  # fmt: skip
    tokens = TokenService(secret, settings.auth_token_minutes)
    container = await Container.open(settings)
    try:
        await start_live(container)
        if settings.run_worker:
            await start_worker(container)

        started = time.perf_counter()
        await _seed_guild(container, QUEUE_GUILD, args.queue_size)
        seed_seconds = time.perf_counter() - started
        approve_guilds = [APPROVE_GUILD_BASE + i for i in range(-(-args.approvals // ACTIVE_CAP))]

        perms = {g: [VIEW, EDIT] for g in [QUEUE_GUILD, *approve_guilds]}
        client_tokens = [
            tokens.issue(900000000000000000 + i, perms, lifetime=timedelta(hours=6)) for i in range(args.clients)
        ]
        app = create_app(settings, container=container, tokens=tokens)
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=args.port,
            log_level="warning",
            lifespan="on",
            workers=1,
            http="httptools" if _have("httptools") else "h11",
            loop="uvloop" if _have("uvloop") else "asyncio",
            access_log=False,
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                await task  # raises whatever stopped it
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.02)
        ready = {
            "queue_guild": str(QUEUE_GUILD),
            "queue_size": args.queue_size,
            "applications": await container.database.applications.count_documents({}),
            "tokens": client_tokens,
            "seed_seconds": round(seed_seconds, 2),
            "loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
            "http": config.http if isinstance(config.http, str) else "custom",
        }
        print(READY + json.dumps(ready), flush=True)

        # Commands from the load generator, one a line on stdin. EOF (it closed the pipe, or died) stops us.
        commands = asyncio.ensure_future(asyncio.to_thread(sys.stdin.readline))
        while True:
            await asyncio.wait([task, commands], return_when=asyncio.FIRST_COMPLETED)
            if task.done() or not commands.result():
                break
            if commands.result().strip() == "seed-approvals":
                # Seeded only now, after the read scenarios: mongomock scans whole collections, so seeding
                # these first would make the queue query's figure depend on --seconds.
                started = time.perf_counter()
                ids = []
                for index, guild_id in enumerate(approve_guilds):
                    count = min(ACTIVE_CAP, args.approvals - index * ACTIVE_CAP)
                    ids.append(await _seed_guild(container, guild_id, count))
                seeded = {
                    "approve_ids": ids,
                    "seed_seconds": round(time.perf_counter() - started, 2),
                    "applications": await container.database.applications.count_documents({}),
                }
                print(SEEDED + json.dumps(seeded), flush=True)
            commands = asyncio.ensure_future(asyncio.to_thread(sys.stdin.readline))
        server.should_exit = True
        await task
    finally:
        await container.close()


# --- the load generator ------------------------------------------------------------------------


class Server:
    """The `--serve` child process; its READY line carries the seeded data and client tokens."""

    def __init__(self, args: argparse.Namespace):
        self.port = args.port or free_port()
        cmd = [
            sys.executable, str(Path(__file__).resolve()), "--serve", "--port", str(self.port),
            "--approvals", str(args.approvals), "--queue-size", str(args.queue_size), "--clients", str(args.clients),
        ]  # fmt: skip
        # Its own session: a Ctrl-C in the terminal reaches only us, and we stop it by closing its stdin.
        self.process = subprocess.Popen(
            cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True
        )
        self.pid = self.process.pid
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        self.info: dict[str, Any] = {}

    def _wait_for(self, prefix: str, timeout: float) -> dict[str, Any]:
        """The JSON of the next stdout line starting with `prefix` (other lines are echoed)."""
        found = read_json_line(self.process, prefix, timeout, "server")
        if found is None:
            raise SystemExit(f"the bench server did not answer {prefix.strip()} (exit code {self.process.poll()})")
        return found

    def wait_ready(self, timeout: float) -> dict[str, Any]:
        self.info = self._wait_for(READY, timeout)
        return self.info

    def seed_approvals(self, timeout: float = 600) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write("seed-approvals\n")
        self.process.stdin.flush()
        return self._wait_for(SEEDED, timeout)

    def stop(self) -> None:
        stop_child(self.process, grace=15)


def _body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}, separators=(",", ":")).encode()


def _check_bare(data: dict[str, Any]) -> str | None:
    return None if data == {"__typename": "Query"} else f"unexpected data {str(data)[:100]}"


def _check_queue(queue_size: int):
    def check(data: dict[str, Any]) -> str | None:
        guild = data.get("guild")
        if not guild:
            return "guild is null"
        conn = guild["applications"]
        edges = conn["edges"]
        if len(edges) != min(PAGE, queue_size):
            return f"{len(edges)} edges, expected {min(PAGE, queue_size)}"
        if conn["totalCount"] != queue_size:
            return f"totalCount {conn['totalCount']}, expected {queue_size}"
        if conn["pageInfo"]["hasNextPage"] != (queue_size > PAGE):
            return "wrong hasNextPage"
        if any(not e["node"]["partner"]["name"] or not e["cursor"] for e in edges):
            return "an edge without cursor or partner name"
        return None

    return check


def _check_approve(data: dict[str, Any]) -> str | None:
    payload = data.get("approveApplication") or {}
    if payload.get("userErrors"):
        first = payload["userErrors"][0]
        return f"userError {first['code']}: {first['message'][:120]}"
    if (payload.get("application") or {}).get("status") != "APPROVED":
        return "application not APPROVED"
    if (payload.get("partnership") or {}).get("status") != "ACTIVE":
        return "no ACTIVE partnership"
    return None


# Stages of a request, by the frames that run them (strawberry 0.34x / graphql-core 3.3 names). They
# may overlap: dataloader batches run in tasks of their own, outside the request's execute frame.
STAGES: list[tuple[str, Callable[[str], bool]]] = [
    ("GraphQL parse", lambda f: f.startswith("parse (graphql/language/parser.py")),
    ("GraphQL validate (incl. depth/alias/token limits)", lambda f: f.startswith("validate (graphql/validation/")),
    ("GraphQL execute (resolvers; not dataloader batches)", lambda f: f.startswith("Schema._execute_operation (")),
    ("database calls (mongomock), wherever they run", lambda f: _package(f) in ("mongomock", "mongomock_motor")),
    ("JWT decode", lambda f: f.startswith("TokenService.decode (api/auth.py")),
    ("response JSON encoding", lambda f: f.startswith("GraphQLRouter.create_response (")),
]


async def run_load(args: argparse.Namespace, server: Server) -> tuple[list[LoadResult], dict[str, int], str | None]:
    info = server.info
    approve_ids: list[str] = []  # filled just before the approve scenario
    approve_bodies = (_body(APPROVE_MUTATION, {"id": i}) for i in approve_ids)
    queue_body = _body(QUEUE_QUERY, {"guild": info["queue_guild"]})
    queue_check = graphql_check(_check_queue(info["queue_size"]))
    scenarios = [
        ("bare { __typename }", lambda b=_body(BARE_QUERY): b, graphql_check(_check_bare)),
        ("queue (25 pending + partner)", lambda: queue_body, queue_check),
        (NO_STORE_SCENARIO, lambda: queue_body, queue_check),
        ("approveApplication", lambda: next(approve_bodies, None), graphql_check(_check_approve)),
    ]
    headers = [{"content-type": "application/json", "authorization": f"Bearer {t}"} for t in info["tokens"]]
    transport = TRANSPORTS[args.client](server.url, headers)
    results, warmup_failures = [], {}
    profile_text = None
    try:
        for name, next_body, check in scenarios:
            if name == "approveApplication":
                seeded = await asyncio.to_thread(server.seed_approvals)
                approve_ids.extend(round_robin(seeded["approve_ids"]))
                print(f"  seeded {len(approve_ids)} pending applications over {len(seeded['approve_ids'])} guild(s) "
                      f"for approvals in {seeded['seed_seconds']} s ({seeded['applications']} applications stored)",
                      flush=True)  # fmt: skip
            for h in headers:  # the dicts the transport sends with each client's requests
                h.pop("cache-control", None)
                if name == NO_STORE_SCENARIO:
                    h["cache-control"] = "no-store"
            warm = await closed_loop(transport, args.clients, args.warmup, next_body, check, LoadResult(name))
            warmup_failures[name] = warm.failures
            for reason, n in warm.failure_samples.items():
                print(f"  warm-up failure x{n} in {name}: {reason}", flush=True)
            spy = None
            if args.profile and name.startswith(args.profile):
                out = Path(tempfile.mkdtemp(prefix="bench-")) / "pyspy.txt"
                spy = PySpy(server.pid, args.seconds, out, rate=250, stages=STAGES)
            result = await closed_loop(
                transport, args.clients, args.seconds, next_body, check, LoadResult(name), server_pid=server.pid
            )
            if spy is not None:
                profile_text = f"py-spy on the server during '{name}' (raw stacks: {spy.out}):\n\n" + spy.finish()
            results.append(result)
            print(f"  {name}: {result.ok} ok, {result.failures} failed in {result.elapsed:.2f} s", flush=True)
    finally:
        await transport.aclose()
    return results, warmup_failures, profile_text


def _result_cache_outcomes(server: Server) -> str:
    """partners_graphql_result_cache_total by outcome, from the server's /metrics."""
    import httpx

    from tests.support.metrics import sample_values

    text = httpx.get(server.url.removesuffix("/graphql") + "/metrics", timeout=10).text
    found = {
        dict(labels)["outcome"]: value
        for labels, value in sample_values(text, "partners_graphql_result_cache_total").items()
    }
    return ", ".join(f"{k} {v:,.0f}" for k, v in sorted(found.items())) or "none"


def report(args: argparse.Namespace, server: Server, results: list[LoadResult], warmup_failures: dict[str, int],
           rss_seeded: str | None) -> bool:  # fmt: skip
    bare = results[0]
    rows = []
    for r in results:
        rows.append(
            [
                r.name, str(r.ok), str(r.failures), f"{r.rps:,.0f}", f"{r.rps / bare.rps:.3f}" if bare.rps else "n/a",
                f"{r.latency_ms(0.5):.1f}", f"{r.latency_ms(0.99):.1f}", f"{max(r.latencies, default=0) * 1000:.1f}",
                f"{r.server_cpu_ms_per_request:.2f}",
                f"{100 * r.server_cpu / r.elapsed:.0f}%" if r.elapsed else "n/a",
                f"{100 * r.client_cpu / r.elapsed:.0f}%" if r.elapsed else "n/a",
            ]
        )  # fmt: skip
    headers = ["scenario", "ok", "failed", "req/s", "vs bare", "p50 ms", "p99 ms", "max ms",
               "srv CPU ms/req", "srv CPU", "client CPU"]  # fmt: skip
    print()
    print(table(headers, rows, right=set(range(1, len(headers)))))
    print("(srv CPU = the server process's CPU time / wall time, 100% = one core; client CPU = this process)")
    print()
    for r in results:
        for reason, n in r.failure_samples.items():
            print(f"FAILURE x{n} in {r.name}: {reason}")
        if r.exhausted:
            when = "during the warm-up" if r.ok == 0 else f"after {r.elapsed:.2f} s, figures are over that time"
            print(f"NOTE {r.name}: the pending applications to approve ran out {when} (raise --approvals).")
    total_failed = sum(r.failures for r in results) + sum(warmup_failures.values())
    if total_failed:
        print(f"!! {total_failed} failed requests (warm-up included): the figures above are not trustworthy.")
    else:
        print("all responses checked: 0 failures (warm-up included)")

    queue = results[1]
    ratio = queue.rps / bare.rps if bare.rps else 0.0
    cpu_ratio = bare.server_cpu_ms_per_request / queue.server_cpu_ms_per_request
    p99 = queue.latency_ms(0.99)
    ratio_ok = ratio >= TARGET_RATIO and queue.ok > 0
    p99_ok = p99 < TARGET_P99_MS
    print()
    print("targets (queue query):")
    print(f"  throughput >= {TARGET_RATIO} x bare   {ratio:6.3f}     {'PASS' if ratio_ok else 'FAIL'}")
    print(f"  p99 < {TARGET_P99_MS:.0f} ms             {p99:6.1f} ms  {'PASS' if p99_ok else 'FAIL'}")
    print(f"  for reference, by server CPU per request: queue costs {1 / cpu_ratio:.1f}x the bare query "
          f"(a CPU-bound ratio of {cpu_ratio:.3f})")  # fmt: skip
    executed = results[2]
    print(f"  executed every time (Cache-Control: no-store): {executed.rps / bare.rps if bare.rps else 0:.3f} x bare, "
          f"{executed.server_cpu_ms_per_request:.2f} ms of server CPU per request")  # fmt: skip
    print(f"  the server's kept answers over the run: {_result_cache_outcomes(server)}")
    print(f"  closed loop: mean latency ~ {args.clients} clients / req/s, so p99 < {TARGET_P99_MS:.0f} ms needs "
          f"more than {1000 * args.clients / TARGET_P99_MS:,.0f} req/s")  # fmt: skip
    print()
    print(f"machine load after: {machine_load()} (other processes included)")
    rss_after = proc_status(server.pid, "VmRSS")
    print(f"server RSS: {kib_to_mib(rss_seeded)} after seeding, {kib_to_mib(rss_after)} after the run "
          f"(peak {kib_to_mib(proc_status(server.pid, 'VmHWM'))})")  # fmt: skip
    return ratio_ok and p99_ok and not total_failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured time per scenario (default 5)")
    parser.add_argument("--warmup", type=float, default=None, help="warm-up per scenario (default 1, --quick 0.3)")
    parser.add_argument("--quick", action="store_true", help="1-second smoke run")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients = connections (default 50)")
    parser.add_argument("--queue-size", type=int, default=100, help="pending applications in the queue guild (<=250)")
    parser.add_argument("--approvals", type=int, default=None,
                        help="pending applications seeded for approveApplication, 100 per guild "
                             "(default: enough for 200 approvals/s over warm-up + measured time, at least 300)")  # fmt: skip
    parser.add_argument("--profile", choices=["bare", "queue", "approve"], help="py-spy the server in this scenario")
    parser.add_argument("--client", choices=sorted(TRANSPORTS), default="httpx",
                        help="load generator: httpx = one AsyncClient per client task (default); httpx-shared = one "
                             "AsyncClient pool of --clients connections; aiohttp = a lighter client")  # fmt: skip
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.seconds = 1.0
    if args.warmup is None:
        args.warmup = 0.3 if args.quick else 1.0
    if not 0 < args.queue_size <= 250:
        parser.error("--queue-size must be 1..250 (the pending cap)")
    if args.approvals is None:
        args.approvals = max(300, -(-int(200 * (args.seconds + args.warmup)) // ACTIVE_CAP) * ACTIVE_CAP)

    if args.serve:
        _run(serve(args))
        return

    print(f"GraphQL benchmark: {args.clients} concurrent clients, 1 uvicorn worker, "
          f"{args.warmup:g} s warm-up + {args.seconds:g} s per scenario")  # fmt: skip
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; the load generator runs on the same "
          f"machine and competes with the server for CPU, so absolute figures are pessimistic.")  # fmt: skip
    print(f"machine load before: {machine_load()}")
    print(f"server: the embedded default (mongomock in memory, in-process bus, event worker on), seeded through the "
          f"services: {args.queue_size} pending in the queue guild; {args.approvals} pending over "
          f"{-(-args.approvals // ACTIVE_CAP)} guilds (maxActive 0) right before the approve scenario", flush=True)  # fmt: skip
    server = Server(args)
    try:
        info = server.wait_ready(timeout=300)
        rss_seeded = proc_status(server.pid, "VmRSS")
        print(f"server pid {server.pid} ready after {info['seed_seconds']} s of seeding ({info['applications']} "
              f"applications stored); loop {info['loop']}, http {info['http']}", flush=True)  # fmt: skip
        print(f"load generator: {TRANSPORTS[args.client].name}, {args.clients} connections", flush=True)
        results, warmup_failures, profile_text = _run(run_load(args, server))
        passed = report(args, server, results, warmup_failures, rss_seeded)
        if profile_text:
            print()
            print(profile_text)
    finally:
        server.stop()
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
