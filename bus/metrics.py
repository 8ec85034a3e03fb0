"""Prometheus view of a bus's counters (`BusStats`), read at scrape time, and `ProcessMetrics`, the
registry of one process's metrics. Used by the api and the cluster.

    registry.register(BusStatsCollector(lambda: bus.stats))

Exported (all counters, since the process started):

    partners_bus_messages_published_total      messages the broker confirmed
    partners_bus_publish_retries_total         publish attempts repeated after an outage or a nack
    partners_bus_messages_consumed_total       deliveries whose handler returned (events, commands, live)
    partners_bus_handler_failures_total        handler attempts that raised (each retry counts)
    partners_bus_messages_dead_lettered_total  messages sent to partners.dlq (malformed or out of retries)
    partners_bus_messages_malformed_total      of those, bodies that could never be handled
    partners_bus_messages_duplicate_total      deliveries skipped because the id was handled recently
    partners_bus_reconnects_total              broker connections re-established after a loss
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from bus.base import BusStats

# BusStats field -> (metric name without _total, help)
BUS_METRICS: dict[str, tuple[str, str]] = {
    "published": ("partners_bus_messages_published", "Messages the broker confirmed."),
    "publish_retries": ("partners_bus_publish_retries", "Publish attempts repeated after an outage or a nack."),
    "consumed": ("partners_bus_messages_consumed", "Deliveries whose handler returned (events, commands, live)."),
    "failed": ("partners_bus_handler_failures", "Handler attempts that raised (each retry counts)."),
    "dead_lettered": ("partners_bus_messages_dead_lettered", "Messages sent to the dead-letter queue."),
    "malformed": ("partners_bus_messages_malformed", "Dead-lettered bodies that could never be handled."),
    "duplicates": ("partners_bus_messages_duplicate", "Deliveries skipped as already handled."),
    "reconnects": ("partners_bus_reconnects", "Broker connections re-established after a loss."),
}


class BusStatsCollector(Collector):
    def __init__(self, stats: Callable[[], BusStats | None]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[CounterMetricFamily]:
        stats = self._stats()
        snapshot = stats.snapshot() if stats is not None else {}
        for field, (name, help_text) in BUS_METRICS.items():
            yield CounterMetricFamily(name, help_text, value=snapshot.get(field, 0))

    def describe(self) -> Iterator[CounterMetricFamily]:
        for name, help_text in BUS_METRICS.values():
            yield CounterMetricFamily(name, help_text)


class ProcessMetrics:
    """The metrics of one process (the api's or a cluster node's) in a registry of their own, never
    the global default, so several apps or nodes can run in one process (tests) without sharing
    counters. Subclasses declare their metrics with `counter`, `gauge` and `histogram`."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()

    def counter(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
        return Counter(name, documentation, labels, registry=self.registry)

    def gauge(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Gauge:
        return Gauge(name, documentation, labels, registry=self.registry)

    def histogram(self, name: str, documentation: str, labels: Sequence[str], buckets: Sequence[float]) -> Histogram:
        return Histogram(name, documentation, labels, buckets=buckets, registry=self.registry)


def join_type_label(join_type: Any) -> str:
    """The label of a member join's attributed type: an enum's value, or the string itself."""
    return str(getattr(join_type, "value", join_type))
