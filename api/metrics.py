"""Prometheus metrics of one API process, served at `GET /metrics`.

One `ApiMetrics` (with its own registry: `bus.metrics.ProcessMetrics`) per container. Exported:

    partners_graphql_operations_total{operation_name, operation_type, outcome}   outcome = ok | error
    partners_graphql_operation_duration_seconds{operation_name, operation_type}  histogram (not subscriptions)
    partners_graphql_subscriptions_open                                          live subscriptions held here
    partners_graphql_result_cache_total{outcome}      kept answers: hit | stored | stale (api/graphql/result_cache.py)
    partners_joins_attributed_total{join_type}        member.joined events handled, by the cluster's label
    partners_outbox_backlog_guilds                    guilds with journal items waiting (read at scrape time)
    partners_bus_*_total                              the bus counters (see bus/metrics.py)

Operation names come from clients: anonymous operations are "anonymous", and past MAX_OPERATION_NAMES
distinct names the rest are "other", so a client cannot blow up the series count.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import generate_latest
from strawberry.extensions import SchemaExtension

from bus.metrics import BusStatsCollector, ProcessMetrics, join_type_label

log = logging.getLogger(__name__)

MAX_OPERATION_NAMES = 200
OUTBOX_CACHE_SECONDS = 5.0
OUTBOX_TIMEOUT_SECONDS = 2.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ApiMetrics(ProcessMetrics):
    def __init__(
        self,
        bus_stats: Callable[[], Any] | None = None,
        subscriber_count: Callable[[], float] | None = None,
        outbox_backlog: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        """Given what it reads at scrape time: the bus counters, the live subscriptions open, and the
        number of guilds whose journal waits (a database count)."""
        super().__init__()
        self.operations = self.counter(
            "partners_graphql_operations",
            "GraphQL operations handled, by operation name and type.",
            ["operation_name", "operation_type", "outcome"],
        )
        self.operation_seconds = self.histogram(
            "partners_graphql_operation_duration_seconds",
            "Time to answer a GraphQL query or mutation.",
            ["operation_name", "operation_type"],
            LATENCY_BUCKETS,
        )
        self.result_cache = self.counter(
            "partners_graphql_result_cache",
            "Repeated queries: answered from a kept answer (hit), answered and kept (stored), or answered "
            "again because a read had changed (stale).",
            ["outcome"],
        )
        self.subscriptions_open = self.gauge(
            "partners_graphql_subscriptions_open", "GraphQL subscriptions open on this process."
        )
        self.joins = self.counter(
            "partners_joins_attributed",
            "member.joined events handled, by the join type the cluster attributed.",
            ["join_type"],
        )
        self.outbox_backlog = self.gauge(
            "partners_outbox_backlog_guilds", "Guilds whose journal has unfinished items (commands or writes waiting)."
        )
        self.scheduled_backlog = self.gauge(
            "partners_scheduled_backlog",
            "Scheduled work (health checks, deadlines, reminders) due and not yet run, by kind.",
            ["kind"],
        )
        self.health_check_cadence = self.gauge(
            "partners_health_check_effective_cadence_seconds",
            "HEALTH_CHECK_HOURS plus how late the latest pass ran its checks: the real time between checks.",
        )
        self.invite_lookups_saved = self.gauge(
            "partners_health_invite_lookups_saved",
            "Partner checks answered from an invite another guild's check resolved this cycle (this process).",
        )
        self._names: set[str] = set()
        self._outbox_read_at = -OUTBOX_CACHE_SECONDS
        self._outbox_backlog = outbox_backlog
        if bus_stats is not None:
            self.registry.register(BusStatsCollector(bus_stats))
        if subscriber_count is not None:
            self.subscriptions_open.set_function(subscriber_count)

    # recording

    def operation_label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if name in self._names:
            return name
        if len(self._names) >= MAX_OPERATION_NAMES:
            return "other"
        self._names.add(name)
        return name

    def observe_operation(self, name: str | None, operation_type: str, seconds: float | None, ok: bool) -> None:
        label = self.operation_label(name)
        self.operations.labels(label, operation_type, "ok" if ok else "error").inc()
        if seconds is not None:
            self.operation_seconds.labels(label, operation_type).observe(seconds)

    def join_attributed(self, join_type: Any) -> None:
        self.joins.labels(join_type_label(join_type)).inc()

    # scraping

    async def refresh(self) -> None:
        """Values read from the database at scrape time, at most every OUTBOX_CACHE_SECONDS and with a
        timeout, so frequent scrapes or a slow database cannot pile up queries."""
        now = time.monotonic()
        if self._outbox_backlog is None or now - self._outbox_read_at < OUTBOX_CACHE_SECONDS:
            return
        self._outbox_read_at = now
        try:
            async with asyncio.timeout(OUTBOX_TIMEOUT_SECONDS):
                self.outbox_backlog.set(await self._outbox_backlog())
        except Exception as exc:  # a metric must never fail the scrape
            log.warning("outbox backlog not read: %r", exc)

    async def render(self) -> bytes:
        await self.refresh()
        return generate_latest(self.registry)


class GraphQLMetrics(SchemaExtension):
    """Counts every operation by name and type, and times queries and mutations, into the metrics of
    the container serving it (found through the request's context)."""

    def on_operation(self):
        started = time.perf_counter()
        yield
        context = self.execution_context
        metrics: ApiMetrics | None = getattr(getattr(context.context, "container", None), "metrics", None)
        if metrics is None:
            return
        try:
            operation_type = context.operation_type.value
        except Exception:  # unparsable document, or an unknown operation name
            operation_type = "unknown"
        result = context.result
        ok = not (context.pre_execution_errors or (result is not None and getattr(result, "errors", None)))
        seconds = None if operation_type == "subscription" else time.perf_counter() - started
        metrics.observe_operation(_safe_name(lambda: context.operation_name), operation_type, seconds, ok)


def _safe_name(get: Callable[[], str | None]) -> str | None:
    try:
        return get()
    except Exception:
        return None
