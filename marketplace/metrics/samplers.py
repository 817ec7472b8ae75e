"""Figures sampled at each scrape from the stores: the event store's head, each read model's
position, lag and failure, and the notifier's deliveries waiting or dead."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence

from marketplace.metrics.process import ProcessMetrics
from marketplace.notifications.outbox import NOTIFIER
from marketplace.projections.runtime import ProjectionStatus
from marketplace.projections.store import ReadModelStore, read_state
from marketplace.projections.tables import ColumnType

DELIVERY_STATES = ("pending", "dead")  # delivered ones are counted as they happen
_DELIVERIES = (
    "SELECT channel, status, COUNT(*) AS n FROM notify_deliveries "
    "WHERE status IN ('pending', 'dead') GROUP BY channel, status"
)
_DELIVERY_TYPES = {"channel": ColumnType.TEXT, "status": ColumnType.TEXT, "n": ColumnType.INTEGER}


def watch_event_store(metrics: ProcessMetrics, head: Callable[[], Awaitable[int]]) -> None:
    """`head`: the store's last position (raises when the store cannot be reached)."""
    up = metrics.gauge(
        "marketplace_event_store_up", "1 when the event store answered the last scrape, else 0."
    )
    stored = metrics.gauge(
        "marketplace_events_stored", "The event store's head: the position of its last event."
    )

    async def sample() -> None:
        try:
            position = await head()
        except Exception:
            up.set(0)
            raise
        up.set(1)
        stored.set(position)

    metrics.sample("event_store", sample)


class ReadModelGauges:
    """Each read model's position, lag and failure, set from `ProjectionStatus` rows."""

    def __init__(self, metrics: ProcessMetrics) -> None:
        labels = ("read_model",)
        self.position = metrics.gauge(
            "marketplace_read_model_position",
            "The event store position a read model has applied up to (in-process feed; with "
            "Kafka, the position of the last event it applied).",
            labels,
        )
        self.lag = metrics.gauge(
            "marketplace_read_model_lag_events",
            "Events of a read model's topics not applied yet (NaN: the broker did not answer).",
            labels,
        )
        self.failed = metrics.gauge(
            "marketplace_read_model_failed",
            "1 while a read model is stopped at an event it cannot apply (rebuild it).",
            labels,
        )
        self.failed_position = metrics.gauge(
            "marketplace_read_model_failed_position",
            "The position of the event a failed read model stopped at (0: none).",
            labels,
        )
        self.last_error = metrics.gauge(
            "marketplace_read_model_last_error_timestamp_seconds",
            "When a read model last failed (0: it has not, since its last rebuild).",
            labels,
        )

    def set(self, statuses: Sequence[ProjectionStatus]) -> None:
        for status in statuses:
            name = status.name
            self.position.labels(name).set(status.position)
            self.lag.labels(name).set(math.nan if status.lag is None else status.lag)
            failure = status.failure
            self.failed.labels(name).set(0 if failure is None else 1)
            self.failed_position.labels(name).set(0 if failure is None else failure.position or 0)
            self.last_error.labels(name).set(
                0 if failure is None else failure.failed_at.timestamp()
            )


def watch_read_models(
    metrics: ProcessMetrics, statuses: Callable[[], Awaitable[Sequence[ProjectionStatus]]]
) -> None:
    gauges = ReadModelGauges(metrics)

    async def sample() -> None:
        gauges.set(await statuses())

    metrics.sample("read_models", sample)


def watch_deliveries(
    metrics: ProcessMetrics,
    store: Callable[[], ReadModelStore],
    head: Callable[[], Awaitable[int]] | None = None,
) -> None:
    """Notifications waiting for a retry and dead ones, by channel, and how far the notifier
    has routed the event store (from the notifier's tables, which every process with the
    read models sees; `head`: the store's last position, for the lag)."""
    gauge = metrics.gauge(
        "marketplace_notification_undelivered",
        "Deliveries by channel and status: `pending` (due or waiting for a retry) and `dead` "
        "(given up: redeliver them once the endpoint works).",
        ("channel", "status"),
    )
    position = metrics.gauge(
        "marketplace_notifier_position",
        "The event store position the notifier has routed up to (0: it has not started).",
    )
    lag = metrics.gauge(
        "marketplace_notifier_lag_events",
        "Events the notifier has yet to route (a first start over a long history routes every "
        "one, to know each contract's parties and deadlines, before notifying what follows).",
    )

    async def sample() -> None:
        rows = await store().fetch(_DELIVERIES, [], _DELIVERY_TYPES)
        found = {(r["channel"], r["status"]): int(r["n"]) for r in rows}
        for channel in {"webhook", "email"} | {c for c, _ in found}:
            for state in DELIVERY_STATES:
                gauge.labels(channel, state).set(found.get((channel, state), 0))
        stored = await read_state(store(), NOTIFIER.name)
        routed = stored.position if stored is not None else 0
        position.set(routed)
        if head is not None:
            lag.set(max(0, await head() - routed))

    metrics.sample("deliveries", sample)
