"""Helpers shared by the benchmarks: a closed-loop HTTP load generator, percentiles, process
figures from /proc and a plain-text table."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import selectors
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_json_line(process: subprocess.Popen, prefix: str, timeout: float, name: str) -> dict[str, Any] | None:
    """The JSON after `prefix` on the child's next stdout line that has it; other lines are echoed with
    `name`. None when the child ended or `timeout` passed first (the caller says what it expected)."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=0.5):
                if process.poll() is not None:
                    return None
                continue
            line = process.stdout.readline()
            if not line:
                return None
            if line.startswith(prefix):
                return json.loads(line[len(prefix) :])
            print(f"[{name}] {line.rstrip()}", flush=True)
    return None


def stop_child(process: subprocess.Popen, grace: float) -> None:
    """Close the child's stdin (its cue to finish cleanly) and give it `grace` seconds; then terminate
    it, and kill it if that is not enough either."""
    if process.poll() is None and process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (NaN when there are none)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * fraction // 1))  # ceil(n * fraction), at least 1
    return sorted_values[int(rank) - 1]


def proc_status(pid: int, key: str) -> str | None:
    """A field of /proc/<pid>/status, e.g. VmRSS -> '123456 kB' (None when unreadable)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        raw = f.read()
    fields = raw[raw.rindex(")") + 2 :].split()  # the command name may contain spaces
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14 and 15 of stat)


def machine_load() -> str:
    """The 1-minute load average and, where the kernel reports it, CPU pressure (share of time some
    runnable task waited for a CPU): other work on the machine skews every figure."""
    parts = []
    try:
        with open("/proc/loadavg") as f:
            parts.append(f"load average {f.read().split()[0]} (1 min)")
    except OSError:
        pass
    try:
        with open("/proc/pressure/cpu") as f:
            some = dict(kv.split("=") for kv in f.readline().split()[1:])
        parts.append(f"CPU pressure {float(some['avg10']):.0f}% (10 s)")
    except (OSError, KeyError, ValueError):
        pass
    return ", ".join(parts) or "n/a"


def kib_to_mib(value: str | None) -> str:
    if not value:
        return "n/a"
    number, _, unit = value.partition(" ")
    return f"{int(number) / 1024:.1f} MiB" if unit == "kB" else value


# A check gets the decoded response body (status was 200) and returns an error text or None.
Check = Callable[[dict[str, Any]], str | None]
# Makes the next request body; None when there is nothing left to send (e.g. a pool used up).
BodySource = Callable[[], bytes | None]


class Transport:
    """POSTs a body for client `index` (each client has its own headers, e.g. its own token)."""

    name = "?"

    async def post(self, index: int, body: bytes) -> tuple[int, bytes]:
        raise NotImplementedError

    async def aclose(self) -> None:
        return None


class HttpxPerClient(Transport):
    """One httpx.AsyncClient per client task, each a pool of one keep-alive connection. httpcore
    1.0's shared pool spends O(connections x waiting requests) per request in
    `_assign_requests_to_connections`; at 50 connections that makes the load generator, not the
    server, the bottleneck (see `--client httpx-shared`)."""

    name = "httpx, one AsyncClient (1 connection) per client"

    def __init__(self, url: str, headers: list[dict[str, str]]):
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self._url, self._headers = url, headers
        self._clients = [httpx.AsyncClient(limits=limits, timeout=30.0) for _ in headers]

    async def post(self, index: int, body: bytes) -> tuple[int, bytes]:
        response = await self._clients[index].post(self._url, content=body, headers=self._headers[index])
        return response.status_code, response.content

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()


class HttpxShared(Transport):
    """One httpx.AsyncClient whose pool holds every connection."""

    name = "httpx, one shared AsyncClient pool"

    def __init__(self, url: str, headers: list[dict[str, str]]):
        limits = httpx.Limits(max_connections=len(headers), max_keepalive_connections=len(headers))
        self._url, self._headers = url, headers
        self._client = httpx.AsyncClient(limits=limits, timeout=30.0)

    async def post(self, index: int, body: bytes) -> tuple[int, bytes]:
        response = await self._client.post(self._url, content=body, headers=self._headers[index])
        return response.status_code, response.content

    async def aclose(self) -> None:
        await self._client.aclose()


class Aiohttp(Transport):
    """One aiohttp ClientSession with a connector of len(headers) connections (a lighter client)."""

    name = "aiohttp, one shared session pool"

    def __init__(self, url: str, headers: list[dict[str, str]]):
        import aiohttp

        self._url, self._headers = url, headers
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=len(headers)), timeout=aiohttp.ClientTimeout(total=30)
        )

    async def post(self, index: int, body: bytes) -> tuple[int, bytes]:
        async with self._session.post(self._url, data=body, headers=self._headers[index]) as response:
            return response.status, await response.read()

    async def aclose(self) -> None:
        await self._session.close()


TRANSPORTS: dict[str, type[Transport]] = {"httpx": HttpxPerClient, "httpx-shared": HttpxShared, "aiohttp": Aiohttp}


@dataclass
class LoadResult:
    name: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    failures: int = 0
    failure_samples: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    exhausted: bool = False  # the body source ran dry before the time was up
    server_cpu: float = 0.0  # CPU seconds the server used during the measured phase
    client_cpu: float = 0.0  # CPU seconds this process used during the measured phase

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def server_cpu_ms_per_request(self) -> float:
        done = self.ok + self.failures
        return 1000 * self.server_cpu / done if done else float("nan")

    def latency_ms(self, fraction: float) -> float:
        return percentile(sorted(self.latencies), fraction) * 1000

    def fail(self, reason: str) -> None:
        self.failures += 1
        key = reason[:200]
        if key in self.failure_samples or len(self.failure_samples) < 5:
            self.failure_samples[key] = self.failure_samples.get(key, 0) + 1


async def closed_loop(
    transport: Transport,
    clients: int,
    seconds: float,
    next_body: BodySource,
    check: Check,
    result: LoadResult,
    server_pid: int | None = None,
) -> LoadResult:
    """`clients` tasks, each sending its next request as soon as the previous one answered, until
    `seconds` have passed. Every response is checked; failures are counted, not timed."""
    deadline = time.perf_counter() + seconds

    async def one_client(index: int) -> None:
        while time.perf_counter() < deadline:
            body = next_body()
            if body is None:
                result.exhausted = True
                return
            started = time.perf_counter()
            try:
                status, content = await transport.post(index, body)
                took = time.perf_counter() - started
                if status != 200:
                    result.fail(f"HTTP {status}: {content[:150].decode(errors='replace')}")
                    continue
                payload = json.loads(content)
            except Exception as exc:  # a failed request is counted, whatever the client library raised
                result.fail(f"{type(exc).__name__}: {exc}")
                continue
            try:
                problem = check(payload)
            except (KeyError, TypeError, IndexError, AttributeError) as exc:
                problem = f"unexpected response shape ({type(exc).__name__}: {exc}): {str(payload)[:150]}"
            if problem is None:
                result.latencies.append(took)
            else:
                result.fail(problem)

    server_cpu = proc_cpu_seconds(server_pid) if server_pid else 0.0
    client_cpu = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(one_client(i) for i in range(clients)))
    result.elapsed = time.perf_counter() - started
    result.client_cpu = time.process_time() - client_cpu
    result.server_cpu = (proc_cpu_seconds(server_pid) - server_cpu) if server_pid else 0.0
    return result


def graphql_check(extra: Callable[[dict[str, Any]], str | None] | None = None) -> Check:
    """Fails a response with `errors` or without `data`; then runs `extra` on `data`."""

    def check(payload: dict[str, Any]) -> str | None:
        if payload.get("errors"):
            first = payload["errors"][0]
            code = (first.get("extensions") or {}).get("code", "?")
            return f"GraphQL error {code}: {first.get('message', '')[:150]}"
        data = payload.get("data")
        if not isinstance(data, dict):
            return "response without data"
        return extra(data) if extra else None

    return check


def table(headers: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    """A plain-text table; columns in `right` are right-aligned."""
    right = right or set()
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def round_robin(groups: list[list[Any]]) -> Iterator[Any]:
    """Interleaves groups: a0, b0, c0, a1, b1, ... (so concurrent requests spread over them)."""
    longest = max((len(g) for g in groups), default=0)
    for i in range(longest):
        for group in groups:
            if i < len(group):
                yield group[i]


class GcPauses:
    """The garbage collector's pauses in this process, by generation (gc.callbacks): a full collection
    walks every live object, so a process whose heap grows (the embedded database's documents) pauses
    longer each time, and every message waiting meanwhile waits that long."""

    def __init__(self) -> None:
        import gc

        self._started = 0.0
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses[info["generation"]].append(time.perf_counter() - self._started)

    def summary(self) -> dict[str, Any]:
        return {
            f"gen{g}": {
                "count": len(p),
                "total_ms": round(1000 * sum(p), 1),
                "max_ms": round(1000 * max(p, default=0), 1),
            }
            for g, p in self.pauses.items()
        }
