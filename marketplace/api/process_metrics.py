"""What the API process samples for /metrics: the event store, the audit chain, the read
models, the notifier's deliveries and each component `/health` lists."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.api.health_components import HealthComponents, needed_components
from marketplace.audit.chain import Ledger
from marketplace.handlers.ports import EventStore
from marketplace.metrics.process import ProcessMetrics
from marketplace.metrics.samplers import ReadModelGauges, watch_deliveries, watch_event_store
from marketplace.projections.heartbeats import read_heartbeats
from marketplace.projections.runtime import ProjectionRuntime
from marketplace.settings import Settings

PROBE = 1.5  # seconds, as /health


class ComponentGauges:
    """`/health`'s components (relay, projections) as figures, for alerts."""

    def __init__(self, metrics: ProcessMetrics) -> None:
        labels = ("component",)
        self.up = metrics.gauge(
            "marketplace_component_up",
            "1 when /health calls the component ok; 0 when missing, stale, failed or unknown.",
            labels,
        )
        self.age = metrics.gauge(
            "marketplace_component_heartbeat_age_seconds",
            "Seconds since the component's last heartbeat (NaN: none yet).",
            labels,
        )
        self.lag = metrics.gauge(
            "marketplace_component_lag_events",
            "The component's lag as /health says it (relay: events not published; "
            "projections: the largest read model lag; NaN: not known).",
            labels,
        )

    def set(self, components: HealthComponents) -> None:
        for name in ("relay", "projections"):
            component = getattr(components, name)
            if component is None:
                continue
            self.up.labels(name).set(1 if component.status == "ok" else 0)
            since = component.seconds_since
            self.age.labels(name).set(float("nan") if since is None else since)
            self.lag.labels(name).set(float("nan") if component.lag is None else component.lag)


def watch_api(
    metrics: ProcessMetrics,
    store: EventStore,
    ledger: Ledger,
    runtime: ProjectionRuntime,
    settings: Settings,
) -> None:
    """Register the API's samplers (once its read models are open)."""
    head = None
    if isinstance(store, EventSourcingStore):
        probed = store
        watch_event_store(metrics, lambda: probed.probe_head(PROBE))
        head = runtime.events.head
    watch_deliveries(metrics, lambda: runtime.store, head)
    read_models, components = ReadModelGauges(metrics), ComponentGauges(metrics)
    chain = metrics.gauge(
        "marketplace_audit_chain_position",
        "The position of the audit hash chain's last link (it follows the store within "
        "about a second).",
    )

    async def sample_read_models() -> None:
        statuses = await runtime.status()
        beats = await read_heartbeats(runtime.store)
        read_models.set(statuses)
        now = datetime.now(UTC)
        components.set(needed_components(runtime, (statuses, beats), settings, now))

    async def sample_chain() -> None:
        last = await asyncio.to_thread(ledger.last)
        chain.set(last.position if last else 0)

    metrics.sample("read_models", sample_read_models)
    metrics.sample("audit_chain", sample_chain)
