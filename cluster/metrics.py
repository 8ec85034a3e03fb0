"""Prometheus metrics of one cluster node, served on the health port at `GET /metrics`.

One `ClusterMetrics` per bot (``bot.metrics``), with its own registry (`bus.metrics.ProcessMetrics`). Exported:

    partners_cluster_commands_total{type, outcome}      commands carried out; outcome = ok | failed
                                                        (reported to the api) | error (raised: retried)
    partners_cluster_command_duration_seconds{type}     histogram of the time a command took
    partners_cluster_shard_latency_seconds{shard}       gateway heartbeat latency per shard (scrape time)
    partners_cluster_shard_ready{shard}                 1 when the shard is ready, else 0
    partners_cluster_guilds                             guilds this node sees
    partners_cluster_joins_attributed_total{join_type}  member joins by the attributed join type
    partners_bus_*_total                                the bus counters (see bus/metrics.py)

The joins cog reports each published join with one call: ``self.bot.metrics.join_attributed(label.join_type)``.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bus.metrics import BusStatsCollector, ProcessMetrics, join_type_label

if TYPE_CHECKING:
    from bus import Envelope

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class ClusterMetrics(ProcessMetrics):
    def __init__(self, bot: Any = None) -> None:
        super().__init__()
        self.commands = self.counter(
            "partners_cluster_commands",
            "Commands from the api carried out, by type and outcome (ok, failed: reported, error: retried).",
            ["type", "outcome"],
        )
        self.command_seconds = self.histogram(
            "partners_cluster_command_duration_seconds", "Time a command took on this node.", ["type"], LATENCY_BUCKETS
        )
        self.joins = self.counter(
            "partners_cluster_joins_attributed",
            "Member joins published, by the join type attributed (INVITE, VANITY, UNKNOWN, AMBIGUOUS).",
            ["join_type"],
        )
        if bot is not None:
            self.registry.register(_ShardCollector(bot))
            self.registry.register(BusStatsCollector(lambda: getattr(bot.bus, "stats", None)))

    def join_attributed(self, join_type: Any) -> None:
        """The joins cog calls this once per published member.joined."""
        self.joins.labels(join_type_label(join_type)).inc()

    @contextlib.contextmanager
    def command(self, env: Envelope) -> Iterator[Callable[[Envelope], None]]:
        """Times one command; call the yielded function with its outcome (command.completed). A
        command that raises counts as "error" (the bus redelivers it)."""
        started = time.perf_counter()
        outcome: dict[str, str] = {}

        def done(result: Envelope) -> None:
            outcome["value"] = "ok" if result.data.get("ok") else "failed"

        try:
            yield done
        except BaseException:
            outcome["value"] = "error"
            raise
        finally:
            self.commands.labels(env.type, outcome.get("value", "error")).inc()
            self.command_seconds.labels(env.type).observe(time.perf_counter() - started)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _ShardCollector(Collector):
    """Shard latency and readiness, read from the bot at scrape time."""

    def __init__(self, bot: Any) -> None:
        self._bot = bot

    def collect(self) -> Iterator[GaugeMetricFamily]:
        latency = GaugeMetricFamily(
            "partners_cluster_shard_latency_seconds", "Gateway heartbeat latency per shard.", labels=["shard"]
        )
        for shard_id, seconds in shard_latencies(self._bot).items():
            if seconds is not None:
                latency.add_metric([str(shard_id)], seconds)
        yield latency
        ready = GaugeMetricFamily("partners_cluster_shard_ready", "1 when the shard is ready.", labels=["shard"])
        readiness = self._bot.readiness
        for shard_id in readiness.shard_ids:
            ready.add_metric([str(shard_id)], 1.0 if readiness.is_ready(shard_id) else 0.0)
        yield ready
        yield GaugeMetricFamily("partners_cluster_guilds", "Guilds this node sees.", value=len(self._bot.guilds))


def shard_latencies(bot: Any) -> dict[int, float | None]:
    """Heartbeat latency (seconds) of each connected shard; None before the first heartbeat ack."""
    found: dict[int, float | None] = {}
    try:
        pairs = bot.latencies
    except Exception:
        pairs = []
    for shard_id, seconds in pairs:
        found[shard_id] = seconds if isinstance(seconds, int | float) and math.isfinite(seconds) else None
    return found
