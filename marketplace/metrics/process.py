"""One process's metrics: a registry of its own, the families its parts record, and what is
sampled afresh at each scrape (positions, lags, pools), so no request pays for those."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from marketplace.adapters.db_stats import pool_stats, sqlite_lock_waits
from marketplace.log import get_logger

log = get_logger(__name__)
Sampler = Callable[[], Awaitable[None]]
M = TypeVar("M", Counter, Gauge, Histogram)
# `serve --workers N`: the worker processes write their figures into files there and a scrape
# of any of them adds all up (prometheus_client's multiprocess mode, set before it is imported).
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
SAMPLE_TIMEOUT = 2.0  # seconds a scrape waits for one sampler (a database away must not hang it)
# The classic text format, which every Prometheus (2.x and 3.x) reads.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class ProcessMetrics:
    """The metrics of one process. Families are made on first use and shared after, so the
    parts of `serve --all-in-one` record into one registry without clashing."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.multiprocess_dir = os.environ.get(MULTIPROCESS_DIR) or None
        self._families: dict[str, Any] = {}
        self._samplers: dict[str, Sampler] = {}
        self._database = DatabaseCollector()
        self.registry.register(self._database)
        self._failures = self.counter(
            "marketplace_metrics_sample_failures_total",
            "Scrapes at which a sampler failed or timed out (its figures kept their last value).",
            ("sampler",),
        )

    def counter(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
        return self._family(Counter, name, documentation, labels)

    def gauge(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Gauge:
        # Sampled gauges: with several processes, the one scraped last is right.
        return self._family(Gauge, name, documentation, labels, multiprocess_mode="mostrecent")

    def histogram(
        self,
        name: str,
        documentation: str,
        labels: Sequence[str] = (),
        buckets: Sequence[float] = LATENCY_BUCKETS,
    ) -> Histogram:
        return self._family(Histogram, name, documentation, labels, buckets=buckets)

    def _family(
        self,
        kind: type[M],
        name: str,
        documentation: str,
        labels: Sequence[str],
        **options: Any,
    ) -> M:
        found = self._families.get(name)
        if found is None:
            found = kind(name, documentation, labels, registry=self.registry, **options)
            self._families[name] = found
        if not isinstance(found, kind):
            raise TypeError(f"{name} is a {type(found).__name__}, not a {kind.__name__}")
        return found

    def sample(self, key: str, sampler: Sampler) -> None:
        """Run `sampler` before each scrape, in place of an earlier one of the same `key` (a
        worker started again samples its new stores; the parts of `serve --all-in-one` that
        sample the same figures sample them once)."""
        self._samplers[key] = sampler

    async def refresh(self) -> None:
        await asyncio.gather(*(self._run(key, s) for key, s in self._samplers.items()))

    async def _run(self, key: str, sampler: Sampler) -> None:
        try:
            await asyncio.wait_for(sampler(), SAMPLE_TIMEOUT)
        except Exception as exc:  # a store away: its figures stay, the failure is counted
            self._failures.labels(key).inc()
            log.debug("metrics_sample_failed", sampler=key, error=repr(exc))

    async def exposition(self) -> tuple[bytes, str]:
        """The text format after a fresh sample, and its content type."""
        await self.refresh()
        registry = self.registry
        if self.multiprocess_dir:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, self.multiprocess_dir)  # type: ignore[no-untyped-call]
            registry.register(self._database)  # this process's pools only
        return generate_latest(registry), CONTENT_TYPE


class DatabaseCollector(Collector):
    """Connection pools and SQLite lock waits, read from the adapters' tallies at a scrape."""

    def collect(self) -> Iterable[Metric]:
        pools = pool_stats()
        yield _pool_gauge("marketplace_db_pool_connections", "Open connections.", pools, "size")
        yield _pool_gauge("marketplace_db_pool_idle", "Idle connections.", pools, "idle")
        yield _pool_gauge("marketplace_db_pool_max", "The pool's largest size.", pools, "max_size")
        yield _pool_gauge(
            "marketplace_db_pool_waiting", "Requests queued for a connection now.", pools, "waiting"
        )
        yield _pool_counter(
            "marketplace_db_pool_requests", "Connections asked of the pool.", pools, "requests"
        )
        yield _pool_counter(
            "marketplace_db_pool_wait_seconds",
            "Time requests spent queued for a connection.",
            pools,
            "wait_seconds",
        )
        yield _pool_counter(
            "marketplace_db_pool_errors",
            "Requests for a connection that failed (timeout, server away).",
            pools,
            "errors",
        )
        waits = sqlite_lock_waits()
        busy = CounterMetricFamily(
            "marketplace_sqlite_busy_waits",
            "Writes that waited over a millisecond for SQLite's write lock.",
            labels=("database",),
        )
        seconds = CounterMetricFamily(
            "marketplace_sqlite_busy_wait_seconds",
            "Time those writes waited for the lock.",
            labels=("database",),
        )
        for database, tally in sorted(waits.items()):
            busy.add_metric((database,), tally.busy)
            seconds.add_metric((database,), tally.seconds)
        yield busy
        yield seconds


def _summed(pools: Sequence[tuple[str, Any]], field: str) -> dict[str, float]:
    sums: dict[str, float] = {}
    for name, stats in pools:
        value = getattr(stats, field)
        if value is not None:
            sums[name] = sums.get(name, 0) + value
    return sums


def _pool_gauge(name: str, doc: str, pools: Sequence[tuple[str, Any]], field: str) -> Metric:
    family = GaugeMetricFamily(name, doc, labels=("pool",))
    for pool, value in sorted(_summed(pools, field).items()):
        family.add_metric((pool,), value)
    return family


def _pool_counter(name: str, doc: str, pools: Sequence[tuple[str, Any]], field: str) -> Metric:
    family = CounterMetricFamily(name, doc, labels=("pool",))
    for pool, value in sorted(_summed(pools, field).items()):
        family.add_metric((pool,), value)
    return family
