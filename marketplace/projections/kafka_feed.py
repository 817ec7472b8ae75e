"""The Kafka feed: each projection a consumer group, committing offsets after the store commits."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from marketplace.events.envelope import CloudEvent
from marketplace.log import get_logger
from marketplace.projections.projection import Projection
from marketplace.projections.store import ReadModelStore
from marketplace.projections.tracking import apply_partition_batch
from marketplace.settings import Settings

log = get_logger(__name__)
_MAX_BACKOFF = 30.0
Batches = Mapping[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]]


def group_id(projection: Projection, topic_prefix: str = "") -> str:
    """`marketplace.projection.<name>`, behind the topic prefix like the topics it reads.

    Environments sharing a cluster (told apart by the prefix) must not share groups either.
    """
    return f"{topic_prefix}marketplace.projection.{projection.name}"


class ProjectionConsumer:
    """Feeds one projection from its topics.

    A partition's batch is applied with its offsets in one store transaction, and only then
    committed to Kafka: a crash in between redelivers what the store already skips. A batch
    that fails is sought back and retried (with a growing pause), never skipped.
    """

    def __init__(
        self,
        projection: Projection,
        store: ReadModelStore,
        *,
        bootstrap: str,
        topic_prefix: str = "",
        batch_size: int = 500,
        consumer_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.projection = projection
        self.store = store
        self.topic_prefix = topic_prefix
        self.batch_size = batch_size
        self._consumer = AIOKafkaConsumer(
            *(topic_prefix + t for t in projection.topics),
            bootstrap_servers=bootstrap,
            group_id=group_id(projection, topic_prefix),
            client_id=group_id(projection, topic_prefix),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            metadata_max_age_ms=30_000,  # see topics the relay creates later
            # Kafka answers a fetch as soon as data arrives; this only bounds how long an idle
            # fetch waits, which on brokers that do not answer early is the read-model delay.
            fetch_max_wait_ms=100,
            **(consumer_options or {}),
        )
        self.failures = 0  # consecutive failed attempts at the current batch

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Consume until `stop` is set (or the task is cancelled)."""
        stop = stop or asyncio.Event()
        await self._consumer.start()
        try:
            while not stop.is_set():
                batches = await self._consumer.getmany(timeout_ms=200, max_records=self.batch_size)
                await self.handle(batches)
        finally:
            await self._consumer.stop()

    async def handle(self, batches: Batches) -> None:
        pending = [(tp, records) for tp, records in batches.items() if records]
        for i, (tp, records) in enumerate(pending):
            try:
                await self.apply(tp, records)
            except Exception as exc:
                log.error(
                    "projection_batch_failed",
                    projection=self.projection.name,
                    topic=tp.topic,
                    partition=tp.partition,
                    offset=records[0].offset,
                    error=repr(exc),
                )
                for later_tp, later in pending[i:]:
                    self._consumer.seek(later_tp, later[0].offset)
                self.failures += 1
                await asyncio.sleep(min(0.5 * 2 ** (self.failures - 1), _MAX_BACKOFF))
                return
            self.failures = 0
            await self._commit(tp, records[-1].offset + 1)

    async def apply(
        self, tp: TopicPartition, records: Sequence[ConsumerRecord[bytes, bytes]]
    ) -> int:
        """Apply one partition's records to the store, with their offsets."""
        topic = tp.topic.removeprefix(self.topic_prefix)
        messages = [(r.offset, (topic, CloudEvent.from_bytes(r.value or b""))) for r in records]
        return await apply_partition_batch(
            self.store, self.projection, tp.topic, tp.partition, messages
        )

    async def _commit(self, tp: TopicPartition, offset: int) -> None:
        try:
            await self._consumer.commit({tp: offset})
        except KafkaError as exc:  # e.g. a rebalance: the store skips what comes back
            log.warning(
                "projection_commit_failed", projection=self.projection.name, error=repr(exc)
            )


async def run_projection_workers(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    consumer_options: Mapping[str, Any] | None = None,
) -> None:
    """`marketplace project`: bring every projection up to date, then feed them from Kafka."""
    from marketplace.bootstrap import open_event_log, read_model_location
    from marketplace.projections.location import open_store
    from marketplace.projections.rebuild import ensure_current
    from marketplace.projections.registry import PROJECTIONS

    if not settings.kafka_bootstrap:
        raise ValueError("MARKETPLACE_KAFKA_BOOTSTRAP is not set: projections are fed in-process")
    events, close_events = open_event_log(settings)
    store = await open_store(read_model_location(settings))
    try:
        for projection in PROJECTIONS:
            await ensure_current(
                store, projection, events, batch_size=settings.projection_batch_size
            )
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
        await store.close()
        close_events()
