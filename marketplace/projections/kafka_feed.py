"""The Kafka feed: each projection a consumer group, committing offsets after the store commits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaConnectionError, KafkaError

from marketplace.adapters.broker_outage import BROKER_OUTAGE, stop_client
from marketplace.adapters.outages import is_outage
from marketplace.events.envelope import CloudEvent
from marketplace.log import get_logger
from marketplace.projections.failures import (
    ProjectionFailed,
    ProjectionFailure,
    failure_of,
    read_failures,
    record_failure,
)
from marketplace.projections.inprocess_feed import MAX_BACKOFF
from marketplace.projections.projection import Projection
from marketplace.projections.store import ReadModelStore, StaleProjection
from marketplace.projections.tracking import apply_partition_batch

log = get_logger(__name__)
T = TypeVar("T")
BROKER_BACKOFF = 5.0  # seconds: the longest pause between reconnections
Records = Sequence[ConsumerRecord[bytes, bytes]]
Batches = Mapping[TopicPartition, Records]


def group_id(projection: Projection, topic_prefix: str = "") -> str:
    """`marketplace.projection.<name>`, behind the topic prefix like the topics it reads.

    Environments sharing a cluster (told apart by the prefix) must not share groups either.
    """
    return f"{topic_prefix}marketplace.projection.{projection.name}"


class ProjectionConsumer:
    """Feeds one projection from its topics.

    A partition's batch is applied with its offsets in one store transaction, and only then
    committed to Kafka: a crash in between redelivers what the store already skips. A batch
    that fails for an outage is sought back and retried (with a growing pause, at most
    MAX_BACKOFF). One that fails otherwise is applied again one event at a time, up to the
    event that cannot be applied: the failure is recorded in the store (where the API shows
    it), and the consumer stops there, never skipping it, until a rebuild clears the failure.
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
        self._options = {
            "bootstrap_servers": bootstrap,
            "group_id": group_id(projection, topic_prefix),
            "client_id": group_id(projection, topic_prefix),
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "metadata_max_age_ms": 30_000,  # see topics the relay creates later
            # Kafka answers a fetch as soon as data arrives; this only bounds how long an idle
            # fetch waits, which on brokers that do not answer early is the read-model delay.
            "fetch_max_wait_ms": 100,
            **(consumer_options or {}),
        }
        self._consumer = self._new_consumer()
        self._started = False  # a stopped consumer cannot start again: each start a new one
        self.retries = 0  # consecutive failed attempts at the current batch (outages)
        self.failure: ProjectionFailure | None = None

    def _new_consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            *(self.topic_prefix + t for t in self.projection.topics), **self._options
        )

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Consume until `stop` is set (or the task is cancelled)."""
        stop = stop or asyncio.Event()
        BROKER_OUTAGE.install()
        try:  # a consumer stopped while it joins is closed too
            if not await self._connect(stop):
                return
            self.failure = await _recorded_failure(self.store, self.projection, stop)
            while not stop.is_set():
                if BROKER_OUTAGE.down:  # aiokafka would retry every 100 ms, and log each
                    await self._stop_consumer()
                    if not await self._connect(stop):
                        return
                    continue
                if self.failure is not None:
                    await self._wait_for_rebuild()
                    continue
                await self.handle(await self._fetch())
        finally:
            await self._stop_consumer()

    async def _stop_consumer(self) -> None:
        await stop_client(self._consumer)

    async def _fetch(self) -> Batches:
        """The next batches; none after a second (a consumer without partitions, e.g. in a
        rebalance that waits for a lost broker, would wait on: the loop must see the outage)."""
        fetching = self._consumer.getmany(timeout_ms=200, max_records=self.batch_size)
        try:
            return await asyncio.wait_for(fetching, 1.0)
        except TimeoutError:
            return {}

    async def _start(self) -> None:
        """Start the consumer; KafkaConnectionError when the broker is lost meanwhile (joining
        the group would wait for it, while aiokafka retries every 100 ms)."""
        seen = BROKER_OUTAGE.errors
        starting = asyncio.ensure_future(self._consumer.start())
        try:
            while not starting.done():
                await asyncio.wait([starting], timeout=0.5)
                if not starting.done() and BROKER_OUTAGE.errors > seen:
                    raise KafkaConnectionError("the broker was lost while joining the group")
            starting.result()
        finally:
            if not starting.done():
                starting.cancel()
                await asyncio.gather(starting, return_exceptions=True)

    async def _connect(self, stop: asyncio.Event) -> bool:
        """Start a new consumer, trying again after a growing pause (up to
        BROKER_BACKOFF seconds) while the broker is away; False when stopped first."""
        delay = 0.5
        while not stop.is_set():
            if self._started:
                self._consumer = self._new_consumer()
            self._started = True
            try:
                await self._start()
            except KafkaError as exc:
                await self._stop_consumer()
                BROKER_OUTAGE.failed(repr(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * 2, BROKER_BACKOFF)
                continue
            BROKER_OUTAGE.recovered()
            return True
        return False

    async def handle(self, batches: Batches) -> None:
        pending = [(tp, records) for tp, records in batches.items() if records]
        for i, (tp, records) in enumerate(pending):
            try:
                stopped = await self._apply_or_locate(tp, records)
                if stopped is not None:
                    self.failure = await record_failure(self.store, self.projection, stopped[1])
            except Exception as exc:  # an outage (or another version stored): retried
                if self.retries == 0:  # logged once, not at every retry
                    log.warning(
                        "projection_batch_retried",
                        projection=self.projection.name,
                        topic=tp.topic,
                        partition=tp.partition,
                        offset=records[0].offset,
                        error=repr(exc),
                    )
                self._seek_back(pending[i:])
                self.retries += 1
                await asyncio.sleep(min(0.5 * 2 ** (self.retries - 1), MAX_BACKOFF))
                return
            if self.retries:
                log.info("projection_batch_applied_again", projection=self.projection.name)
            self.retries = 0
            if stopped is not None:
                offset = stopped[0]
                if offset > records[0].offset:
                    await self._commit(tp, offset)  # the events before it are applied
                if tp in self._consumer.assignment():
                    self._consumer.seek(tp, offset)
                self._seek_back(pending[i + 1 :])
                return
            await self._commit(tp, records[-1].offset + 1)

    def _seek_back(self, pending: Sequence[tuple[TopicPartition, Records]]) -> None:
        # A partition a rebalance took away meanwhile is not ours to seek (aiokafka refuses):
        # its next owner starts from the offset the store tracks, so nothing is lost.
        assigned = self._consumer.assignment()
        for tp, records in pending:
            if tp in assigned:
                self._consumer.seek(tp, records[0].offset)

    async def _apply_or_locate(
        self, tp: TopicPartition, records: Records
    ) -> tuple[int, ProjectionFailed] | None:
        """Apply the batch; if that fails and not for an outage, apply it one record at a time:
        the offset of the record that cannot be applied and why, or None when all went in."""
        try:
            await self.apply(tp, records)
            return None
        except Exception as exc:
            if is_outage(exc) or isinstance(exc, StaleProjection):
                raise
            batch_error = exc
        for record in records:
            try:
                await self.apply(tp, [record])
            except Exception as exc:
                if is_outage(exc) or isinstance(exc, StaleProjection):
                    raise
                where = f"{tp.topic}[{tp.partition}] offset {record.offset}"
                return record.offset, ProjectionFailed(_position_of(record), exc, where)
        log.warning(
            "projection_batch_failed_once", projection=self.projection.name, error=repr(batch_error)
        )
        return None

    async def apply(self, tp: TopicPartition, records: Records) -> int:
        """Apply one partition's records to the store, with their offsets."""
        topic = tp.topic.removeprefix(self.topic_prefix)
        messages = [(r.offset, (topic, CloudEvent.from_bytes(r.value or b""))) for r in records]
        return await apply_partition_batch(
            self.store, self.projection, tp.topic, tp.partition, messages
        )

    async def _wait_for_rebuild(self) -> None:
        """Failed: fetch nothing (staying in the group) until the failure is gone from the store."""
        self._consumer.pause(*self._consumer.assignment())
        for tp, records in (await self._consumer.getmany(timeout_ms=1000)).items():
            if records:  # a partition assigned since the pause
                self._consumer.seek(tp, records[0].offset)
        try:
            failures = await read_failures(self.store)
        except Exception as exc:
            if not is_outage(exc):
                raise
            return
        if failure_of(self.projection, failures) is None:
            self.failure = None
            self._consumer.resume(*self._consumer.assignment())
            log.info("projection_resumed", projection=self.projection.name)

    async def _commit(self, tp: TopicPartition, offset: int) -> None:
        try:
            await self._consumer.commit({tp: offset})
        except KafkaError as exc:  # e.g. a rebalance: the store skips what comes back
            log.warning(
                "projection_commit_failed", projection=self.projection.name, error=repr(exc)
            )


def _position_of(record: ConsumerRecord[bytes, bytes]) -> int | None:
    try:
        return CloudEvent.from_bytes(record.value or b"").sequence
    except Exception:  # the message itself is what cannot be read
        return None


async def _recorded_failure(
    store: ReadModelStore, projection: Projection, stop: asyncio.Event
) -> ProjectionFailure | None:
    """The projection's recorded failure, waiting for the store if it is away."""

    async def recorded() -> ProjectionFailure | None:
        return failure_of(projection, await read_failures(store))

    return await through_outages(recorded, stop)


async def through_outages(call: Callable[[], Awaitable[T]], stop: asyncio.Event) -> T:
    """`call()`, tried again after a growing pause while the read-model store is away."""
    delay = 0.5
    while True:
        try:
            return await call()
        except Exception as exc:
            if not is_outage(exc) or stop.is_set():
                raise
            log.warning("projection_store_unreachable", error=repr(exc))
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF)
