"""`marketplace project`: every projection brought up to date, then fed from Kafka."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from marketplace.log import get_logger
from marketplace.projections.event_log import EventLog
from marketplace.projections.failures import ProjectionFailed, record_failure
from marketplace.projections.heartbeats import PROJECTIONS as PROJECTION_WORKERS
from marketplace.projections.heartbeats import keep_beating
from marketplace.projections.kafka_feed import ProjectionConsumer, through_outages
from marketplace.projections.projection import Projection
from marketplace.projections.store import ReadModelStore
from marketplace.settings import Settings

log = get_logger(__name__)


async def run_projection_workers(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    consumer_options: Mapping[str, Any] | None = None,
) -> None:
    """`marketplace project`: bring every projection up to date, then feed them from Kafka."""
    from marketplace.bootstrap import open_event_log, read_model_location
    from marketplace.projections.location import open_store
    from marketplace.projections.registry import PROJECTIONS

    if not settings.kafka_bootstrap:
        raise ValueError("MARKETPLACE_KAFKA_BOOTSTRAP is not set: projections are fed in-process")
    stop = stop or asyncio.Event()
    events, close_events = open_event_log(settings)
    store = await open_store(read_model_location(settings))
    # Alive from the start: a long rebuild before consuming is no missing worker.
    heart = asyncio.create_task(
        keep_beating(store, PROJECTION_WORKERS, settings.heartbeat_interval)
    )
    try:
        for projection in PROJECTIONS:
            await _prepare(store, projection, settings.projection_batch_size, stop, events)
        consumers = [
            ProjectionConsumer(
                projection,
                store,
                bootstrap=settings.kafka_bootstrap,
                topic_prefix=settings.kafka_topic_prefix,
                batch_size=settings.projection_batch_size,
                consumer_options=consumer_options,
            )
            for projection in PROJECTIONS
        ]
        log.info("projection_workers_started", projections=[p.name for p in PROJECTIONS])
        async with asyncio.TaskGroup() as group:  # one failing consumer stops them all
            for consumer in consumers:
                group.create_task(consumer.run(stop))
    finally:
        heart.cancel()
        await asyncio.gather(heart, return_exceptions=True)
        await store.close()
        close_events()


async def _prepare(
    store: ReadModelStore,
    projection: Projection,
    batch_size: int,
    stop: asyncio.Event,
    events: EventLog,
) -> None:
    """Build or rebuild before consuming, waiting out outages; one that cannot be built is
    recorded as failed (its consumer then waits for a rebuild)."""
    from marketplace.projections.rebuild import ensure_current

    async def build() -> None:
        try:
            await ensure_current(store, projection, events, batch_size=batch_size)
        except ProjectionFailed as failed:
            await record_failure(store, projection, failed)

    await through_outages(build, stop)
