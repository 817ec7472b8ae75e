"""`marketplace project`: every projection brought up to date, then fed from Kafka."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka.errors import KafkaError

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.adapters.kafka_topics import TopicSettings, TopicSetupError, ensure_topics
from marketplace.log import get_logger
from marketplace.metrics.process import ProcessMetrics
from marketplace.metrics.samplers import watch_event_store, watch_read_models
from marketplace.projections.event_log import EventLog
from marketplace.projections.failures import ProjectionFailed, record_failure
from marketplace.projections.heartbeats import PROJECTIONS as PROJECTION_WORKERS
from marketplace.projections.heartbeats import keep_beating
from marketplace.projections.kafka_feed import ProjectionConsumer, through_outages
from marketplace.projections.lag import BrokerEnds
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.projection import Projection
from marketplace.projections.registry import PROJECTIONS
from marketplace.projections.runtime import ProjectionRuntime
from marketplace.projections.store import ReadModelStore

log = get_logger(__name__)
TOPICS_TIMEOUT = 10.0  # seconds


@dataclass(frozen=True)
class ProjectionWorkers:
    """`marketplace project`: every projection brought up to date, then fed from Kafka.

    Built from settings by `bootstrap`; the stores are opened in `run`, so an outage at start
    is retried by the supervisor like any later one.
    """

    events: StoreLocation
    read_models: ReadModelLocation
    bootstrap: str
    topic_prefix: str = ""
    batch_size: int = 500
    heartbeat_interval: float = 5.0
    projections: tuple[Projection, ...] = PROJECTIONS
    consumer_options: Mapping[str, Any] | None = None
    topics: TopicSettings = field(default_factory=TopicSettings)  # made when it starts first
    metrics: ProcessMetrics | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Bring every projection up to date, then feed them from Kafka until `stop`."""
        notifications = EventSourcingStore(self.events)
        events = EventLog(notifications)
        store = await open_store(self.read_models)
        if self.metrics is not None:
            self._watch(self.metrics, notifications, events, store)
        # Alive from the start: a long rebuild before consuming is no missing worker.
        heart = asyncio.create_task(
            keep_beating(store, PROJECTION_WORKERS, self.heartbeat_interval)
        )
        try:
            for projection in self.projections:
                await _prepare(store, projection, self.batch_size, stop, events)
            await self._make_topics()
            consumers = [
                ProjectionConsumer(
                    projection,
                    store,
                    bootstrap=self.bootstrap,
                    topic_prefix=self.topic_prefix,
                    batch_size=self.batch_size,
                    consumer_options=self.consumer_options,
                )
                for projection in self.projections
            ]
            log.info("projection_workers_started", projections=[p.name for p in self.projections])
            async with asyncio.TaskGroup() as group:  # one failing consumer stops them all
                for consumer in consumers:
                    group.create_task(consumer.run(stop))
        finally:
            heart.cancel()
            await asyncio.gather(heart, return_exceptions=True)
            await store.close()
            notifications.close()

    def _watch(
        self,
        metrics: ProcessMetrics,
        notifications: EventSourcingStore,
        events: EventLog,
        store: ReadModelStore,
    ) -> None:
        """Each scrape: the store's head, and each read model's position, lag (from the
        broker's end offsets) and failure, as `marketplace projections status` says them."""
        status = ProjectionRuntime(
            self.read_models,
            events,
            self.projections,
            feed_in_process=False,
            broker=BrokerEnds(self.bootstrap, 1.0),
            topic_prefix=self.topic_prefix,
        )
        status.use(store)
        watch_event_store(metrics, lambda: notifications.probe_head(1.5))
        watch_read_models(metrics, status.status)

    async def _make_topics(self) -> None:
        """The topics it reads, made if the relay has not made them yet (see ensure_topics);
        when that fails the consumers still start, and meet the topics once the relay has."""
        topics = sorted({self.topic_prefix + t for p in self.projections for t in p.topics})
        making = ensure_topics(
            self.bootstrap,
            "marketplace-projections",
            topics,
            self.topics,
        )
        try:  # bounded: a broker away at start is the consumers' to wait for
            await asyncio.wait_for(making, TOPICS_TIMEOUT)
        except (KafkaError, OSError, TopicSetupError, TimeoutError) as exc:
            log.warning("projection_topics_not_made", error=repr(exc))


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
