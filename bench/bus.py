"""The bus benchmark: the broker's ceiling, the join pipeline through a separate worker process, and
live fan-out from one API instance to 500 websocket subscribers spread over two.

    .venv/bin/python bench/bus.py                     # full run (20,000 joins, 500 subscribers, 10 s)
    .venv/bin/python bench/bus.py --quick             # smoke run (2,000 joins, 50 subscribers, 3 s)
    .venv/bin/python bench/bus.py --profile worker    # + py-spy on the worker during the throughput phase
    .venv/bin/python bench/bus.py --profile api-b     # + py-spy on API instance B during the fan-out phase

Everything runs in a fresh RabbitMQ vhost (127.0.0.1:5672, guest/guest), deleted at the end.

1. Ceiling: plain aio-pika publish (confirms pipelined) + consume (manual acks) of the same
   `member.joined` envelopes into a quorum queue (bench/bus_ceiling.py).
2. Join pipeline: `member.joined` -> `partners.events` -> the API's event worker (a separate process,
   `bench/bus.py --worker`: a Container on the embedded in-memory database, mongomock, with the
   RabbitMQ bus; one ACTIVE partnership with the tracked invite "trk") -> join stored, joinCount
   incremented -> `live.partner_joins` on `partners.live`. "Stored" is seen here by consuming those
   notifications on an exclusive queue of our own (`make_bus(url).consume_live`), one per worker run.
   (a) throughput: N published as fast as confirms allow (a window of in-flight publishes), timed
       from the first publish to the N-th notification; shown as a ratio of the ceiling.
   (b) latency at a fixed offered rate (default half of (a)): each envelope's publish call to the
       arrival of its notification (matched on user_id); p50 / p99 / max. This process stamps both
       ends, so its own garbage collector is paused during (b) (it collects before and after).
       `--stages` splits it into legs: publish -> the worker's batch, the batch, -> arrival here.
   The worker's stored joinCount is checked against the number published. The worker runs as
   `python -m api` does on the embedded default (api/gc_pauses.py); its GC pauses are printed.
3. Live fan-out: a SecantusDB wire server shared by two uvicorn processes (`bench/bus.py --serve`,
   each `create_app(settings)` with its own Container, RUN_WORKER false); S websocket subscribers
   (graphql-transport-ws, `partnershipQueue`) split evenly over both; `createPartnership` on
   instance A at a fixed pace; for each (mutation, subscriber) pair, the time from sending the
   mutation to that subscriber receiving the matching PARTNERSHIP_CREATED (matched on the partner's
   name); every subscriber must get every event once, all in the same order (the guild's commit order).

This process is the load generator (publisher, live consumer, websocket clients) and shares the
machine's CPUs with the broker, the worker, the database and the API servers.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import logging
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, this folder comes first on sys.path and this very file would shadow the `bus` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from api.worker import start_worker  # noqa: E402  (after the path fix: `bus` must be the package)
from bench.common import (  # noqa: E402
    GcPauses,
    free_port,
    machine_load,
    percentile,
    proc_cpu_seconds,
    read_json_line,
    stop_child,
    table,
)

GUILD = 1100000000000000000
SECRET = "bench-bus-secret-0123456789abcdef0123456789"
TRACKED_CODE = "trk"
READY = "BENCH-READY "
STATS = "BENCH-STATS "
USER_BASE = 2_000_000_000_000_000_000  # user ids of the benchmark's joins: BASE + sequence number
PARTNER_BASE = 1_234_500_000_000_000_000  # partner server ids of the fan-out mutations
EDITOR_BASE = 1_400_000_000_000_000_000  # user ids of the staff members sending them
RAW_PREFETCH = 500  # bus_raw's default
ACTIVE_CAP = 100  # active partnerships per guild: bounds the number of createPartnership calls

TARGET_RATIO = 0.5
TARGET_FANOUT_P99_MS = 250.0

SUBSCRIPTION = """subscription($g: Snowflake!) {
  partnershipQueue(guildId: $g) { type partnership { id partner { name } } }
}"""
CREATE = """mutation($input: CreatePartnershipInput!) {
  createPartnership(input: $input) { partnership { id } userErrors { code message } }
}"""


def _run(coro: Any) -> Any:
    """asyncio.run, on uvloop when it is installed (as uvicorn's "auto" loop would pick)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def _quiet_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")


async def _stdin_closed() -> None:
    """Returns when the parent closes our stdin (or dies): the children's stop signal."""
    while await asyncio.to_thread(sys.stdin.readline):
        pass


# --- child: the event worker -------------------------------------------------------------------


async def worker_main(args: argparse.Namespace) -> None:
    from api.container import Container
    from api.gc_pauses import freeze_after_full_collections
    from api.services.partnerships import ManualPartner
    from api.settings import ApiSettings

    _quiet_logging()
    settings = ApiSettings(
        _env_file=None, mongodb_url="", rabbitmq_url=args.url, auth_secret=SECRET, shard_count=1, run_worker=True,
        log_level="WARNING",
    )  # fmt: skip
    container = await Container.open(settings)
    freeze_after_full_collections(asyncio.get_running_loop())  # as `python -m api` does on the embedded default
    try:
        partnership = await container.partnerships.create_manual(
            ManualPartner.parse(guild_id=GUILD, partner_guild_id=str(PARTNER_BASE - 1), partner_name="Chess",
                                 invite_code="chess", representative_id="1300000000000000001",
                                 advertisement="Join us for chess every evening!"),
            actor=1,
        )  # fmt: skip
        await container.partnerships.tracked_invite_created(partnership.id, TRACKED_CODE)
        # --stages: when each join's batch started and ended in the worker, for the latency's legs
        stages: dict[int, tuple[float, float]] = {}
        if args.stages:
            from api.worker import EventWorker

            untimed = EventWorker.handle_batch

            async def timed(self: Any, envelopes: list[Any]) -> list[BaseException | None]:
                started = time.perf_counter()  # CLOCK_MONOTONIC: the same clock in every process here
                try:
                    return await untimed(self, envelopes)
                finally:
                    ended = time.perf_counter()
                    for env in envelopes:
                        if "user_id" in env.data:
                            stages[int(env.data["user_id"])] = (started, ended)

            EventWorker.handle_batch = timed  # type: ignore[method-assign]
        await start_worker(container)
        pauses = GcPauses()
        print(READY + json.dumps({"partnership_id": partnership.id, "database": container.database.__class__.__name__,
                                  "in_memory": container.database.in_memory}), flush=True)  # fmt: skip
        # One command a line on stdin: "stats" -> the stored counters; EOF -> stop.
        while line := await asyncio.to_thread(sys.stdin.readline):
            if line.strip() == "stats":
                stored = await container.partnership_repo.get(partnership.id)
                joins = await container.database.joins.count_documents({"partnership_id": partnership.id})
                stats = {"join_count": stored.join_count, "join_docs": joins, **container.bus.stats.snapshot(),
                         "gc": pauses.summary()}  # fmt: skip
                if args.stages:
                    stats["stages_file"] = str(Path(tempfile.mkdtemp(prefix="bench-bus-")) / "stages.json")
                    await asyncio.to_thread(Path(stats["stages_file"]).write_text, json.dumps(stages))
                print(STATS + json.dumps(stats), flush=True)
    finally:
        await container.close()


# --- child: one API instance -------------------------------------------------------------------


async def serve_main(args: argparse.Namespace) -> None:
    import uvicorn

    from api.app import create_app
    from api.settings import ApiSettings

    _quiet_logging()
    settings = ApiSettings(_env_file=None, **json.loads(os.environ["BENCH_BUS_SETTINGS"]))
    app = create_app(settings)  # opens its own Container in the lifespan: start_live, no worker
    config = uvicorn.Config(
        app, host="127.0.0.1", port=args.port, log_level="warning", lifespan="on", access_log=False,
        ws_max_queue=1000, ws_per_message_deflate=False,  # as `python -m api` serves
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task
            raise RuntimeError("uvicorn stopped before it started")
        await asyncio.sleep(0.02)
    print(READY + json.dumps({"port": args.port, "loop": type(asyncio.get_running_loop()).__module__}), flush=True)
    stop = asyncio.ensure_future(_stdin_closed())
    await asyncio.wait([task, stop], return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stop.cancel()
    await task


# --- the load generator: children --------------------------------------------------------------


class Child:
    """A child process in its own session (a Ctrl-C reaches only us); it stops when its stdin closes."""

    def __init__(self, name: str, argv: list[str], log_dir: Path, env: dict[str, str] | None = None):
        self.name = name
        with open(log_dir / f"{name}.log", "w") as log:  # its stderr: warnings and tracebacks, if any
            self.process = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), *argv], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True,
            )  # fmt: skip
        self.pid = self.process.pid

    def wait_for(self, prefix: str, timeout: float) -> dict[str, Any]:
        """The JSON of the next stdout line starting with `prefix` (other lines are echoed)."""
        found = read_json_line(self.process, prefix, timeout, self.name)
        if found is None:
            raise RuntimeError(f"{self.name} did not answer {prefix.strip()} (exit code {self.process.poll()})")
        return found

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        stop_child(self.process, grace=20)


class Cleanup:
    """Everything to undo at the end, in reverse order, whatever happened."""

    def __init__(self) -> None:
        self._undo: list[tuple[str, Callable[[], Any]]] = []

    def add(self, what: str, undo: Callable[[], Any]) -> None:
        self._undo.append((what, undo))

    def run(self) -> None:
        while self._undo:
            what, undo = self._undo.pop()
            try:
                undo()
            except Exception as exc:
                print(f"cleanup: {what} failed: {exc!r}", file=sys.stderr, flush=True)


def broker_pid() -> int | None:
    """The RabbitMQ node on this machine (beam.smp), whose CPU time is shown next to ours."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "beam.smp":
                    return int(entry.name)
            except OSError:
                continue
    return None


def run_queue_seconds(pid: int) -> float:
    """Time the process's threads spent runnable but waiting for a CPU (/proc/<pid>/task/*/schedstat)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e9


LOADGEN = "load generator (this process)"


class CpuWatch:
    """CPU seconds used by some processes (and this one) between start and stop, and the time they
    waited for a CPU (what a busy machine costs them)."""

    def __init__(self, pids: dict[str, int | None]):
        self.pids = {name: pid for name, pid in pids.items() if pid}
        self.pids[LOADGEN] = os.getpid()
        self.before = {name: self._read(pid) for name, pid in self.pids.items()}
        self.waited: dict[str, float] = {}

    @staticmethod
    def _read(pid: int) -> tuple[float, float]:
        try:
            return proc_cpu_seconds(pid), run_queue_seconds(pid)
        except OSError:
            return float("nan"), float("nan")

    def stop(self) -> dict[str, float]:
        used = {}
        for name, pid in self.pids.items():
            cpu, wait = self._read(pid)
            used[name] = cpu - self.before[name][0]
            self.waited[name] = wait - self.before[name][1]
        return used


BROKER = "RabbitMQ (shared with others' tests)"


# --- 1 + 2: ceiling and join pipeline ----------------------------------------------------------


def _joins(start: int, count: int) -> list:
    from tests.api.factories import joined

    return [joined(GUILD, TRACKED_CODE, user_id=USER_BASE + start + i) for i in range(count)]


@dataclass
class Ceiling:
    messages: int
    body_bytes: int
    publish_rate: float
    consume_rate: float
    latencies: list[float] = field(default_factory=list)  # the broker's round trip at phase (b)'s rate

    @property
    def rate(self) -> float:
        """Each message published (confirmed) and consumed (acked): N / (publish time + consume time)."""
        if not self.publish_rate or not self.consume_rate:
            return 0.0
        return 1 / (1 / self.publish_rate + 1 / self.consume_rate)


async def raw_latency_at(url: str, rate: float, count: int) -> list[float]:
    from bench.bus_raw import raw_latency

    return await raw_latency(url, _joins(-2 * count - 1, count), rate, RAW_PREFETCH)


async def ceiling(url: str, args: argparse.Namespace) -> Ceiling:
    """bus_raw's plain aio-pika measurement on the very envelopes the pipeline gets (other user ids)."""
    from bench.bus_raw import raw

    envelopes = _joins(-args.n - 1, args.n)
    publish_rate, consume_rate = await raw(url, envelopes, args.window, RAW_PREFETCH)
    size = sum(len(e.to_json()) for e in envelopes[:1000]) // min(1000, len(envelopes))
    return Ceiling(len(envelopes), size, publish_rate, consume_rate)


@dataclass
class Pipeline:
    n: int = 0
    publish_seconds: float = 0.0  # first publish -> last confirm
    seconds: float = 0.0  # first publish -> last notification
    rate_offered: float = 0.0
    latency_sent: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds
    missing: int = 0
    generator_lag: float = 0.0  # how late the fixed-rate publisher got behind its schedule, at most
    duplicates: int = 0  # notifications for a user id seen twice
    stats_after: dict[str, Any] = field(default_factory=dict)
    cpu_b: dict[str, float] = field(default_factory=dict)  # the same, during (b)
    waited_b: dict[str, float] = field(default_factory=dict)
    seconds_b: float = 0.0
    stages: dict[str, list[float]] = field(default_factory=dict)  # --stages: (b)'s latency in legs
    loadgen_stats: dict[str, Any] = field(default_factory=dict)  # this process's bus counters
    first_fifth: float = 0.0  # notifications/s over the first fifth of (a)
    last_fifth: float = 0.0  # and over the last fifth
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process during (a)
    waited: dict[str, float] = field(default_factory=dict)  # seconds runnable but waiting for a CPU

    @property
    def throughput(self) -> float:
        return self.n / self.seconds if self.seconds else 0.0


class LiveJoins:
    """The attributed joins, by user id, as their live notifications arrive."""

    def __init__(self) -> None:
        self.arrived: dict[int, float] = {}
        self.duplicates = 0
        self._waiting: tuple[int, asyncio.Event] | None = None
        self.last_arrival = time.perf_counter()

    async def handle(self, envelope: Any) -> None:
        if envelope.type == "live.partner_joins":  # one message per run of the worker
            joins = envelope.data["joins"]
        elif envelope.type == "live.partner_join":
            joins = [envelope.data]
        else:
            return
        now = time.perf_counter()
        for join in joins:
            user_id = int(join["user_id"])
            if user_id in self.arrived:
                self.duplicates += 1
                continue
            self.arrived[user_id] = now
        self.last_arrival = now
        if self._waiting and len(self.arrived) >= self._waiting[0]:
            self._waiting[1].set()

    async def wait_count(self, count: int, stall: float) -> bool:
        """Until `count` have arrived; False when none arrived for `stall` seconds before that."""
        event = asyncio.Event()
        self._waiting = (count, event)
        if len(self.arrived) >= count:
            return True
        while True:
            try:
                await asyncio.wait_for(event.wait(), 1.0)
                return True
            except TimeoutError:
                if time.perf_counter() - self.last_arrival > stall:
                    return False


async def pipeline_phase(args: argparse.Namespace, url: str, worker: Child, profile: list) -> Pipeline:
    from bus import make_bus

    result = Pipeline(n=args.n)
    live = LiveJoins()
    bus = make_bus(url, publish_timeout=120, prefetch=1000, name="bench-loadgen")
    await bus.start()
    try:
        await bus.consume_live(live.handle)

        # (a) throughput
        envelopes = _joins(0, args.n)
        spy = None
        if "worker" in args.profile:
            from bench.pyspy import PySpy

            spy = PySpy(worker.pid, 600, Path(tempfile.mkdtemp(prefix="bench-bus-")) / "worker.txt",
                        "the worker process during (a)")  # fmt: skip
            profile.append(spy)
        slots = asyncio.Semaphore(args.window)
        failures: list[BaseException] = []

        async def publish(env: Any) -> None:
            try:
                await bus.publish_event(env)
            except Exception as exc:
                failures.append(exc)
            finally:
                slots.release()

        cpu = CpuWatch({"worker": worker.pid, BROKER: broker_pid()})
        started = time.perf_counter()
        tasks = []
        for env in envelopes:
            await slots.acquire()
            tasks.append(asyncio.create_task(publish(env)))
        await asyncio.gather(*tasks)
        result.publish_seconds = time.perf_counter() - started
        if failures:
            raise RuntimeError(f"{len(failures)} publishes failed, first: {failures[0]!r}")
        print(f"  (a) {args.n:,} published in {result.publish_seconds:.2f} s "
              f"({args.n / result.publish_seconds:,.0f}/s); waiting for the worker...", flush=True)  # fmt: skip
        if not await live.wait_count(args.n, stall=60):
            raise RuntimeError(f"the pipeline stalled: {len(live.arrived):,} of {args.n:,} notifications after "
                               f"60 s without progress")  # fmt: skip
        arrivals = sorted(live.arrived.values())
        result.seconds = arrivals[-1] - started
        fifth = max(1, len(arrivals) // 5)  # the rate early and late: does the worker slow down as data grows?
        result.first_fifth = fifth / (arrivals[fifth - 1] - started)
        result.last_fifth = fifth / (arrivals[-1] - arrivals[-fifth - 1]) if len(arrivals) > fifth else 0.0
        result.cpu, result.waited = cpu.stop(), cpu.waited
        if spy is not None:
            spy.stop()
        print(f"  (a) {args.n:,} stored in {result.seconds:.2f} s ({result.throughput:,.0f}/s)", flush=True)

        # (b) latency at a fixed offered rate
        rate = args.rate or max(1.0, round(result.throughput * args.rate_fraction))
        count = max(1, int(rate * args.latency_seconds))
        result.rate_offered, result.latency_sent = rate, count
        envelopes = _joins(args.n, count)
        sent: dict[int, float] = {}
        in_flight: set[asyncio.Task] = set()
        await asyncio.sleep(0.5)
        # This process stamps both ends of every latency: a pause of its own collector (its heap holds
        # every envelope and stamp) would show as the pipeline's latency. It collects before and after.
        gc.collect()
        gc.freeze()
        gc.disable()
        cpu_b = CpuWatch({"worker": worker.pid, BROKER: broker_pid()})
        begin = time.perf_counter() + 0.05
        for i, env in enumerate(envelopes):
            due = begin + i / rate
            # Always yield: behind schedule, a burst of publishes without a pause would hold this loop
            # and delay the notifications' arrival stamps, measuring the load generator, not the pipeline.
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            now = time.perf_counter()
            result.generator_lag = max(result.generator_lag, now - due)
            sent[USER_BASE + args.n + i] = now
            await slots.acquire()
            task = asyncio.create_task(publish(env))
            in_flight.add(task)  # only those in flight: gathering every task at the end held this loop
            task.add_done_callback(in_flight.discard)
        while in_flight:
            await asyncio.wait(set(in_flight))
        if failures:
            raise RuntimeError(f"{len(failures)} publishes failed, first: {failures[0]!r}")
        await live.wait_count(args.n + count, stall=30)
        result.cpu_b, result.waited_b, result.seconds_b = cpu_b.stop(), cpu_b.waited, time.perf_counter() - begin
        gc.enable()
        gc.unfreeze()
        result.latencies = sorted(live.arrived[u] - t for u, t in sent.items() if u in live.arrived)
        result.missing = sum(1 for u in sent if u not in live.arrived)
        result.duplicates = live.duplicates
        print(f"  (b) {count:,} at {rate:,.0f}/s: p50 {1000 * percentile(result.latencies, 0.5):.1f} ms, "
              f"p99 {1000 * percentile(result.latencies, 0.99):.1f} ms", flush=True)  # fmt: skip
    finally:
        result.loadgen_stats = bus.stats.snapshot()
        await bus.close()
    await asyncio.sleep(0.5)  # let the worker settle its last acks
    worker.send("stats")
    result.stats_after = await asyncio.to_thread(worker.wait_for, STATS, 30)
    if "stages_file" in result.stats_after:
        stages = await asyncio.to_thread(Path(result.stats_after.pop("stages_file")).read_text)
        result.stages = _legs(sent, live.arrived, json.loads(stages))
    return result


def _legs(sent: dict[int, float], arrived: dict[int, float], stages: dict[str, list[float]]) -> dict[str, list[float]]:
    """(b)'s latency in three legs, sorted: publish -> the worker starts the join's batch, the batch,
    the batch's end -> the notification's arrival here."""
    legs: dict[str, list[float]] = {"publish -> worker": [], "worker batch": [], "worker -> arrival": []}
    for user, at in sent.items():
        stage = stages.get(str(user))
        if stage is None or user not in arrived:
            continue
        legs["publish -> worker"].append(stage[0] - at)
        legs["worker batch"].append(stage[1] - stage[0])
        legs["worker -> arrival"].append(arrived[user] - stage[1])
    return {name: sorted(values) for name, values in legs.items()}


# --- 3: live fan-out ---------------------------------------------------------------------------


@dataclass
class Subscriber:
    index: int
    received: list[tuple[str, float]] = field(default_factory=list)  # (partner name, arrival)
    ready: bool = False
    error: str | None = None


@dataclass
class Fanout:
    subscribers: int = 0
    mutations: int = 0
    pace: float = 0.0
    latencies: list[float] = field(default_factory=list)
    complete: int = 0  # subscribers that got every event, in the order the guild committed them
    committed_as_sent: bool = True  # whether that order is the order the mutations were sent in
    incomplete: list[str] = field(default_factory=list)  # a few descriptions of the others
    events_min: int = 0
    mutation_errors: list[str] = field(default_factory=list)
    mutation_answers: list[float] = field(default_factory=list)  # seconds, sorted
    first: list[float] = field(default_factory=list)  # per mutation: the first subscriber's delay, sorted
    last: list[float] = field(default_factory=list)  # per mutation: the last subscriber's delay, sorted
    by_instance: dict[str, list[float]] = field(default_factory=dict)  # the pairs' delays by subscriber's server
    warmups: int = 0
    connect_seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process during the measured part
    waited: dict[str, float] = field(default_factory=dict)  # seconds runnable but waiting for a CPU
    seconds: float = 0.0


async def run_subscriber(sub: Subscriber, url: str, token: str, guild: int, connected: asyncio.Semaphore) -> None:
    import websockets

    try:
        async with connected:  # bounds the connection storm, not the number of open connections
            ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"], open_timeout=60,
                                          max_queue=None, ping_interval=None)  # fmt: skip
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
            ack = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if ack.get("type") != "connection_ack":
                raise RuntimeError(f"no connection_ack: {ack}")
            await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": SUBSCRIPTION, "variables": {"g": str(guild)}}}))  # fmt: skip
            sub.ready = True
        async with ws:
            async for raw in ws:
                now = time.perf_counter()
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "next":
                    event = message["payload"]["data"]["partnershipQueue"]
                    name = ((event.get("partnership") or {}).get("partner") or {}).get("name", "?")
                    sub.received.append((f"{event['type']}:{name}", now))
                elif kind == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif kind in ("error", "complete"):
                    sub.error = f"{kind}: {json.dumps(message.get('payload'))[:200]}"
                    return
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        sub.error = f"{type(exc).__name__}: {exc}"[:200]


async def fanout_phase(args: argparse.Namespace, servers: list[Child], ports: list[int], mongo_pid: int,
                       profile: list) -> Fanout:  # fmt: skip
    import httpx

    from api.auth import EDIT, VIEW, TokenService

    result = Fanout(subscribers=args.subscribers)
    tokens = TokenService(SECRET, 15)
    perms = {GUILD: [VIEW, EDIT]}
    subs = [Subscriber(i) for i in range(args.subscribers)]
    urls = [f"ws://127.0.0.1:{p}/graphql" for p in ports]
    gate = asyncio.Semaphore(25)
    started = time.perf_counter()
    tasks = [
        asyncio.create_task(run_subscriber(s, urls[s.index % 2], tokens.issue(3_000_000 + s.index, perms), GUILD, gate))
        for s in subs
    ]
    http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports[0]}", timeout=30)
    partner_ids = itertools.count(PARTNER_BASE)
    # Each mutation from another staff member: the API limits each user's mutation rate, and this
    # benchmark is about the fan-out, not that limit.
    editors = (f"Bearer {tokens.issue(EDITOR_BASE + i, perms)}" for i in itertools.count())

    async def create(name: str) -> tuple[float, str | None]:
        partner = next(partner_ids)
        variables = {"input": {"guildId": str(GUILD), "partnerGuildId": str(partner), "partnerName": name,
                               "inviteCode": f"b{partner % 10**8}", "representativeId": str(partner + 7),
                               "advertisement": f"{name}: a friendly server with weekly events."}}  # fmt: skip
        begin = time.perf_counter()
        try:
            response = await http.post("/graphql", json={"query": CREATE, "variables": variables},
                                       headers={"Authorization": next(editors)})  # fmt: skip
            body = response.json()
        except Exception as exc:
            return time.perf_counter() - begin, f"{type(exc).__name__}: {exc}"
        took = time.perf_counter() - begin
        if body.get("errors"):
            return took, f"errors: {json.dumps(body['errors'])[:200]}"
        errors = body["data"]["createPartnership"]["userErrors"]
        return took, f"userErrors: {errors}" if errors else None

    try:
        async with asyncio.timeout(180):
            while not all(s.ready or s.error for s in subs):
                await asyncio.sleep(0.05)
        failed = [s for s in subs if s.error]
        if failed:
            raise RuntimeError(f"{len(failed)} subscribers failed to connect, first: {failed[0].error}")
        result.connect_seconds = time.perf_counter() - started
        print(f"  {len(subs)} subscribers connected in {result.connect_seconds:.1f} s", flush=True)

        # Warm-up: a subscription registers on the server a moment after `subscribe` was sent. A
        # warm-up event every subscriber has received proves they all listen; it is not measured.
        for attempt in range(1, 6):
            result.warmups = attempt
            _, error = await create(f"warmup-{attempt}")
            if error:
                raise RuntimeError(f"warm-up mutation failed: {error}")
            deadline = time.perf_counter() + 10
            while time.perf_counter() < deadline:
                if all(any(name.startswith("PARTNERSHIP_CREATED:warmup-") for name, _ in s.received) for s in subs):
                    break
                await asyncio.sleep(0.05)
            else:
                continue
            break
        else:
            missing = sum(1 for s in subs if not s.received)
            raise RuntimeError(f"{missing} subscribers never received a warm-up event")
        await asyncio.sleep(0.5)
        for s in subs:
            s.received.clear()

        spies = []
        for target in servers:
            if target.name in args.profile:
                from bench.pyspy import PySpy

                spies.append(PySpy(target.pid, args.fanout_seconds + 1,
                                   Path(tempfile.mkdtemp(prefix="bench-bus-")) / f"{target.name}.txt",
                                   f"API instance {target.name[-1].upper()} during the fan-out"))  # fmt: skip
        profile.extend(spies)

        # Measured: mutations on A at a fixed pace, each sent without waiting for the previous answer.
        count = int(args.pace * args.fanout_seconds)
        result.mutations, result.pace = count, args.pace
        sent: list[float] = []
        answers: list[asyncio.Task] = []
        cpu = CpuWatch({**{s.name: s.pid for s in servers}, "SecantusDB": mongo_pid, BROKER: broker_pid()})
        begin = time.perf_counter() + 0.05
        for i in range(count):
            delay = begin + i / args.pace - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent.append(time.perf_counter())
            answers.append(asyncio.create_task(create(f"bench-{i}")))
        done = await asyncio.gather(*answers)
        result.mutation_errors = [f"bench-{i}: {e}" for i, (_, e) in enumerate(done) if e]
        result.mutation_answers = sorted(t for t, _ in done)
        expected = [f"PARTNERSHIP_CREATED:bench-{i}" for i in range(count)]
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline:
            if all(len(s.received) >= count or s.error for s in subs):
                break
            await asyncio.sleep(0.05)
        result.seconds = time.perf_counter() - begin
        result.cpu, result.waited = cpu.stop(), cpu.waited
        for spy in spies:
            spy.stop()

        index = {name: i for i, name in enumerate(expected)}
        # Mutations overlap when answers are slow, so the guild may commit them in another order than
        # they were sent: "in order" means every subscriber sees the one order the guild committed
        # (the sequence most subscribers got), each event exactly once.
        sequences = Counter(tuple(n for n, _ in s.received) for s in subs if not s.error)
        reference = [name for name in (sequences.most_common(1)[0][0] if sequences else ()) if name in index]
        if sorted(reference, key=index.__getitem__) != expected:
            reference = expected  # the commonest sequence is itself incomplete: judge against the send order
        result.committed_as_sent = reference == expected
        counts = []
        per_mutation: list[list[float]] = [[] for _ in expected]
        result.by_instance = {"A": [], "B": []}
        for s in subs:
            names = [n for n, _ in s.received]
            counts.append(sum(1 for n in names if n in index))
            if names == reference and not s.error:
                result.complete += 1
            elif len(result.incomplete) < 5:
                got = [n.rpartition("-")[2] for n in names]
                result.incomplete.append(f"subscriber {s.index} ({'AB'[s.index % 2]}): {len(names)} events "
                                         f"{got[:8]}{'...' if len(got) > 8 else ''} {s.error or ''}".rstrip())  # fmt: skip
            for name, arrived in s.received:
                if name in index:
                    delay = arrived - sent[index[name]]
                    result.latencies.append(delay)
                    per_mutation[index[name]].append(delay)
                    result.by_instance["AB"[s.index % 2]].append(delay)
        result.latencies.sort()
        for delays in result.by_instance.values():
            delays.sort()
        result.first = sorted(min(d) for d in per_mutation if d)
        result.last = sorted(max(d) for d in per_mutation if d)
        result.events_min = min(counts, default=0)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await http.aclose()
    return result


def raise_open_files(needed: int) -> str:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        new = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    return f"open-file limit {soft}"


# --- report ------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:,.1f} ms"


def _gc_line(summary: dict[str, dict[str, float]] | None) -> str:
    if not summary:
        return "n/a"
    return "; ".join(
        f"{gen} {v['count']} (longest {v['max_ms']} ms, {v['total_ms']} ms in all)" for gen, v in summary.items()
    )


def _cpu(usage: dict[str, float], waited: dict[str, float], seconds: float) -> str:
    return ", ".join(
        f"{name} {100 * sec / seconds:.0f}% (+{100 * waited.get(name, 0.0) / seconds:.0f}% waiting for a CPU)"
        for name, sec in usage.items()
    )


Row = Callable[..., None]


def report(args: argparse.Namespace, raw: Ceiling | None, pipe: Pipeline | None, fan: Fanout | None) -> bool:
    rows: list[list[str]] = []
    verdicts: list[bool] = []

    def row(figure: str, value: str, target: str = "", ok: bool | None = None) -> None:
        rows.append([figure, value, target, "" if ok is None else ("PASS" if ok else "FAIL")])
        if ok is not None:
            verdicts.append(ok)

    if raw is not None and pipe is not None:
        pipeline_rows(raw, pipe, row)
    if fan is not None:
        fanout_rows(fan, row)
    print()
    print(table(["figure", "value", "target", "result"], rows, right={1}))
    print()
    print("details:")
    if raw is not None and pipe is not None:
        pipeline_details(args, raw, pipe)
    if fan is not None:
        fanout_details(args, fan)
    return all(verdicts)


def pipeline_rows(raw: Ceiling, pipe: Pipeline, row: Row) -> None:
    row(f"1. ceiling: raw aio-pika publish+consume ({raw.messages:,} msgs, {raw.body_bytes} B)",
        f"{raw.rate:,.0f} msg/s")  # fmt: skip
    row("   raw publish alone (confirms pipelined)", f"{raw.publish_rate:,.0f} msg/s")
    row("   raw consume alone (ack per message)", f"{raw.consume_rate:,.0f} msg/s")
    row(f"2a. join pipeline throughput ({pipe.n:,} joins, stored + notified)", f"{pipe.throughput:,.0f} msg/s")
    ratio = pipe.throughput / raw.rate if raw.rate else 0.0
    row("    pipeline / ceiling", f"{ratio:.3f}", f">= {TARGET_RATIO}", ratio >= TARGET_RATIO)
    stored = pipe.stats_after.get("join_count")
    expected = pipe.n + pipe.latency_sent
    row("    stored joinCount = joins published", f"{stored:,} / {expected:,}" if stored is not None else "n/a",
        "equal", stored == expected and pipe.stats_after.get("join_docs") == expected)  # fmt: skip
    lat = pipe.latencies
    row(f"2b. end-to-end latency p50 at {pipe.rate_offered:,.0f}/s offered ({pipe.latency_sent:,} joins)",
        _ms(percentile(lat, 0.5)))  # fmt: skip
    row("    end-to-end latency p99", _ms(percentile(lat, 0.99)))
    row("    end-to-end latency max", _ms(lat[-1]) if lat else "n/a")
    if raw.latencies:
        row("    raw broker round trip p50 / p99 at the same rate",
            f"{_ms(percentile(raw.latencies, 0.5))} / {_ms(percentile(raw.latencies, 0.99))}")  # fmt: skip
    row("    notifications missing", f"{pipe.missing}", "0", pipe.missing == 0)


def fanout_rows(fan: Fanout, row: Row) -> None:
    flat = fan.latencies
    pairs = fan.mutations * fan.subscribers
    row(f"3. fan-out p50 ({fan.mutations} mutations x {fan.subscribers} subscribers = {pairs:,} pairs)",
        _ms(percentile(flat, 0.5)))  # fmt: skip
    row("   fan-out p99", _ms(percentile(flat, 0.99)), f"< {TARGET_FANOUT_P99_MS:.0f} ms",
        bool(flat) and 1000 * percentile(flat, 0.99) < TARGET_FANOUT_P99_MS)  # fmt: skip
    row("   fan-out max", _ms(flat[-1]) if flat else "n/a")
    row("   subscribers with every event, in order", f"{fan.complete} / {fan.subscribers}",
        "all", fan.complete == fan.subscribers)  # fmt: skip
    row("   events per subscriber (min / expected)", f"{fan.events_min} / {fan.mutations}")
    row("   committed in the order sent", "yes" if fan.committed_as_sent else "no (mutations overlapped)")
    row("   mutations failed", str(len(fan.mutation_errors)), "0", not fan.mutation_errors)


def pipeline_details(args: argparse.Namespace, raw: Ceiling, pipe: Pipeline) -> None:
    print(f"  ceiling: bench/bus_raw.py's raw(): {raw.messages:,} persistent messages into a quorum queue, "
          f"{args.window} publishes in flight, then consumed with prefetch {RAW_PREFETCH} and one ack per message; "
          f"publish+consume = N / (publish time + consume time)")  # fmt: skip
    print(f"  pipeline (a): publishing took {pipe.publish_seconds:.2f} s ({pipe.n / pipe.publish_seconds:,.0f}/s), "
          f"{args.window} in flight; stored {pipe.first_fifth:,.0f}/s over the first fifth of the joins, "
          f"{pipe.last_fifth:,.0f}/s over the last fifth")  # fmt: skip
    per_join = 1000 * pipe.seconds / pipe.n
    cpu, waited = 1000 * pipe.cpu["worker"] / pipe.n, 1000 * pipe.waited["worker"] / pipe.n
    print(f"  pipeline (a) per join, in the worker: {per_join:.2f} ms of wall time = {cpu:.2f} ms on a CPU + "
          f"{waited:.2f} ms runnable, waiting for a CPU + {per_join - cpu - waited:.2f} ms idle (awaiting the broker, "
          f"or nothing to do)")  # fmt: skip
    print(
        f"  pipeline (a) CPU over {pipe.seconds:.1f} s (100% = one core): {_cpu(pipe.cpu, pipe.waited, pipe.seconds)}"
    )
    print(f"  pipeline (b) CPU over {pipe.seconds_b:.1f} s: {_cpu(pipe.cpu_b, pipe.waited_b, pipe.seconds_b)}")
    print(f"  pipeline (b): latency from the publish call to the notification's arrival here; the publisher fell "
          f"behind its schedule by {_ms(pipe.generator_lag)} at most; duplicate notifications: {pipe.duplicates}")  # fmt: skip
    stats = {k: v for k, v in pipe.stats_after.items() if k not in ("join_count", "join_docs", "gc")}
    print(f"  worker bus counters: {stats}")
    print(f"  worker GC pauses over (a) and (b): {_gc_line(pipe.stats_after.get('gc'))}")
    for leg, values in pipe.stages.items():
        print(
            f"  (b) {leg}: p50 {_ms(percentile(values, 0.5))}, p99 {_ms(percentile(values, 0.99))}, "
            f"max {_ms(values[-1] if values else 0.0)}"
        )
    lost = stats.get("reconnects", 0) + pipe.loadgen_stats.get("reconnects", 0)
    if lost or stats.get("publish_retries") or pipe.loadgen_stats.get("publish_retries"):
        print(f"  NOTE: broker connections were lost and re-established {lost} time(s) during the pipeline phase "
              f"(load generator: {pipe.loadgen_stats}); someone else restarted or disturbed the broker, so the "
              f"pipeline figures include that outage")  # fmt: skip


def fanout_details(args: argparse.Namespace, fan: Fanout) -> None:
    print(f"  fan-out: {fan.subscribers - fan.subscribers // 2} subscribers on A, {fan.subscribers // 2} on B; "
          f"createPartnership on A at {fan.pace:g}/s for {args.fanout_seconds:g} s; {fan.warmups} warm-up "
          f"mutation(s) not measured")  # fmt: skip
    answers = fan.mutation_answers
    print(f"  fan-out: createPartnership answer p50 {_ms(percentile(answers, 0.5))}, p99 "
          f"{_ms(percentile(answers, 0.99))}; per mutation, the first subscriber to get it: p50 "
          f"{_ms(percentile(fan.first, 0.5))}, p99 {_ms(percentile(fan.first, 0.99))}; the last: p50 "
          f"{_ms(percentile(fan.last, 0.5))}, p99 {_ms(percentile(fan.last, 0.99))}")  # fmt: skip
    print("  fan-out by the subscriber's server: " + "; ".join(
        f"{name} p50 {_ms(percentile(d, 0.5))}, p99 {_ms(percentile(d, 0.99))}" for name, d in fan.by_instance.items()
    ))  # fmt: skip
    print(f"  fan-out CPU over {fan.seconds:.1f} s (100% = one core): {_cpu(fan.cpu, fan.waited, fan.seconds)}")
    on = {"api-a": fan.subscribers - fan.subscribers // 2, "api-b": fan.subscribers // 2}
    per = [f"{name} {1000 * fan.cpu[name] / (fan.mutations * n):.2f} ms" for name, n in on.items()
           if name in fan.cpu and n and fan.mutations]  # fmt: skip
    print(f"  fan-out server CPU per (event, subscriber) delivered: {', '.join(per)} (A's figure includes the "
          f"mutations themselves)")  # fmt: skip
    for line in fan.incomplete:
        print(f"  INCOMPLETE {line}")
    for line in fan.mutation_errors[:5]:
        print(f"  MUTATION FAILED {line}")


# --- orchestration -----------------------------------------------------------------------------


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: N=2,000, 50 subscribers, 3 s")
    parser.add_argument("-n", type=int, default=None, help="joins for the ceiling and throughput (default 20,000)")
    parser.add_argument("--window", type=int, default=500, help="publishes in flight (default 500)")
    parser.add_argument("--rate", type=float, default=None, help="offered joins/s for the latency (default: half "
                        "the measured throughput)")  # fmt: skip
    parser.add_argument("--rate-fraction", type=float, default=0.5, help=argparse.SUPPRESS)
    parser.add_argument("--latency-seconds", type=float, default=None, help="latency phase length (default 10, "
                        "--quick 3)")  # fmt: skip
    parser.add_argument("--subscribers", type=int, default=None, help="websocket subscribers (default 500)")
    parser.add_argument("--pace", type=float, default=5.0, help="mutations/s in the fan-out phase (default 5)")
    parser.add_argument("--fanout-seconds", type=float, default=None, help="fan-out phase length (default 10)")
    parser.add_argument("--skip-fanout", action="store_true", help="phases 1 and 2 only")
    parser.add_argument("--skip-pipeline", action="store_true", help="phase 3 only")
    parser.add_argument("--profile", action="append", default=[], choices=["worker", "api-a", "api-b"],
                        help="py-spy this child during its measured phase (repeatable)")  # fmt: skip
    parser.add_argument("--stages", action="store_true",
                        help="(b)'s latency in legs: publish -> worker, the worker's batch, worker -> arrival")  # fmt: skip
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _run(worker_main(args))
        return
    if args.serve:
        _run(serve_main(args))
        return
    args.n = args.n or (2_000 if args.quick else 20_000)
    args.latency_seconds = args.latency_seconds or (3.0 if args.quick else 10.0)
    args.subscribers = args.subscribers or (50 if args.quick else 500)
    args.fanout_seconds = args.fanout_seconds or (3.0 if args.quick else 10.0)
    if args.pace * args.fanout_seconds + 5 > ACTIVE_CAP:
        parser.error(f"--pace x --fanout-seconds must stay under {ACTIVE_CAP - 5} (createPartnership calls, capped "
                     f"by the {ACTIVE_CAP} active partnerships of a guild)")  # fmt: skip

    # SIGTERM ends us like Ctrl-C does, so the cleanup below runs either way.
    signal.signal(signal.SIGTERM, _interrupt)
    from tests.support.broker import create_vhost, delete_vhost
    from tests.support.mongo import MongoServer

    print(f"bus benchmark{' (--quick)' if args.quick else ''}: Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs shared by the load generator (this process), RabbitMQ, the worker, SecantusDB and "
          f"two API servers: absolute figures are pessimistic and noisy when others use the machine.")  # fmt: skip
    load_before = machine_load()
    print(f"machine load before: {load_before}", flush=True)
    # Log lines (ours and the children's: reconnects, retries, tracebacks) go to files, counted at the end.
    log_dir = Path(tempfile.mkdtemp(prefix="bench-bus-logs-"))
    logging.basicConfig(filename=log_dir / "loadgen.log", level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")  # fmt: skip
    cleanup = Cleanup()
    profile: list = []
    passed = False
    try:
        vhost, url = create_vhost()
        cleanup.add(f"delete vhost {vhost}", lambda: delete_vhost(vhost))
        print(f"vhost {vhost}", flush=True)

        raw = pipe = fan = None
        if not args.skip_pipeline:
            print("1. ceiling (raw aio-pika, bench/bus_raw.py)...", flush=True)
            raw = _run(ceiling(url, args))
            print(f"  publish {raw.publish_rate:,.0f}/s, consume {raw.consume_rate:,.0f}/s: "
                  f"{raw.rate:,.0f} msg/s publish+consume", flush=True)  # fmt: skip

            print("2. join pipeline (worker process)...", flush=True)
            worker = Child("worker", ["--worker", "--url", url, *(["--stages"] if args.stages else [])], log_dir)
            cleanup.add("stop the worker", worker.stop)
            info = worker.wait_for(READY, 120)
            print(f"  worker pid {worker.pid} ready (database {info['database']}, in memory: {info['in_memory']})",
                  flush=True)  # fmt: skip
            pipe = _run(pipeline_phase(args, url, worker, profile))
            worker.stop()
            # The broker's own round trip at the same rate, with nothing of ours in the path: what the
            # pipeline's latency is read against on this machine.
            raw.latencies = _run(raw_latency_at(url, pipe.rate_offered, pipe.latency_sent))

        if not args.skip_fanout:
            print("3. live fan-out (two API processes on SecantusDB)...", flush=True)
            print(f"  {raise_open_files(args.subscribers + 256)}", flush=True)
            mongo = MongoServer().start()
            cleanup.add("stop SecantusDB", mongo.stop)
            settings = {"mongodb_url": mongo.url, "mongodb_database": "benchbus", "rabbitmq_url": url,
                        "auth_secret": SECRET, "run_worker": False, "shard_count": 1, "log_level": "WARNING"}  # fmt: skip
            env = {**os.environ, "BENCH_BUS_SETTINGS": json.dumps(settings)}
            servers, ports = [], []
            for name in ("api-a", "api-b"):
                port = free_port()
                server = Child(name, ["--serve", "--port", str(port)], log_dir, env=env)
                cleanup.add(f"stop {name}", server.stop)
                servers.append(server)
                ports.append(port)
            for server in servers:
                server.wait_for(READY, 120)
            print(f"  SecantusDB pid {mongo.process.pid}, API A pid {servers[0].pid} :{ports[0]}, "
                  f"API B pid {servers[1].pid} :{ports[1]}", flush=True)  # fmt: skip
            fan = _run(fanout_phase(args, servers, ports, mongo.process.pid, profile))

        passed = report(args, raw, pipe, fan)
        print()
        print(f"machine load before: {load_before}; after: {machine_load()} (other processes included)")
        print(f"machine: {os.cpu_count()} cores shared by the load generator, the broker, the worker, SecantusDB and "
              f"both servers; nothing is pinned, so every figure includes CPU contention between them.")  # fmt: skip
        for spy in profile:
            print()
            print(spy.finish())
    except KeyboardInterrupt as exc:
        print(f"interrupted ({exc or 'Ctrl-C'}): stopping the children and deleting the vhost", file=sys.stderr)
        passed = False
    finally:
        for spy in profile:
            spy.kill()
        cleanup.run()
        print(f"logs: {log_summary(log_dir)}")
    sys.exit(0 if passed else 1)


def log_summary(log_dir: Path) -> str:
    """Per log file, how many WARNING / ERROR lines it holds (a broker restart by someone else shows here)."""
    parts = []
    for path in sorted(log_dir.glob("*.log")):
        text = path.read_text(errors="replace")
        warnings, errors = text.count(" WARNING "), text.count(" ERROR ") + text.count("Traceback")
        if warnings or errors:
            parts.append(f"{path.stem} {warnings} warnings, {errors} errors")
    return f"{log_dir} ({'; '.join(parts) if parts else 'no warnings or errors'})"


if __name__ == "__main__":
    main()
